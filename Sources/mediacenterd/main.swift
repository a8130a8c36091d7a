print("mediacenterd")
