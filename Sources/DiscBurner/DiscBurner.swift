// The libburn and libisofs backends for DiscDrive.
