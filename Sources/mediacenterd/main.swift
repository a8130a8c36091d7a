// mediacenterd: the DICOM burn appliance daemon. See `mediacenterd --help`.
import Appliance
import Glibc

exit(Daemon.run(Array(CommandLine.arguments.dropFirst())))
