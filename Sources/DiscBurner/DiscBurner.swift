// The libburn and libisofs backends for DiscDrive: ISOImage lays a file-set folder out as
// an ISO 9660 image, LibburnDrive streams it into a drive, OpticalDrive and VirtualDrive
// are the DiscDrive implementations for real drives and for image files. Bindings.swift
// contains every C call of the module.
