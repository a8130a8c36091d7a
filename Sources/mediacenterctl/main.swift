print("mediacenterctl")
