/// The action of a uevent, as udev names it.
public enum UdevAction: String, Sendable, Equatable {
    case add
    case remove
    case change
    case move
    case online
    case offline
    case bind
    case unbind
}

/// The SCSI device (a `scsi_device` in sysfs, such as `0:0:0:0`) that a block, SCSI generic
/// or changer node belongs to. Several nodes of one device share it, which is how the
/// `sg` and `sch` nodes of one medium changer are matched.
public struct SCSIDeviceIdentity: Sendable, Equatable {
    /// The device path of the `scsi_device`, such as `/devices/.../target1:0:0/1:0:0:0`.
    public var devpath: String
    /// The SCSI peripheral device type: 5 for an optical drive, 8 for a medium changer.
    public var peripheralType: Int
    /// The vendor of the INQUIRY data, without trailing spaces, when known.
    public var vendor: String?
    /// The product of the INQUIRY data, without trailing spaces, when known.
    public var model: String?

    /// Makes the identity of the `scsi_device` at `devpath`.
    public init(devpath: String, peripheralType: Int, vendor: String? = nil, model: String? = nil) {
        self.devpath = devpath
        self.peripheralType = peripheralType
        self.vendor = vendor
        self.model = model
    }
}

/// One device as udev describes it: its place in sysfs, its subsystem, its node in `/dev` and
/// the properties that the udev rules gave it.
public struct UdevDevice: Sendable, Equatable {
    /// The path below `/sys`, such as `/devices/pci0000:00/.../block/sr0`. It names the
    /// device for as long as it is plugged in, so the tracker keys devices by it.
    public var devpath: String
    /// The kernel subsystem, such as `block`, `scsi_generic` or `scsi_changer`.
    public var subsystem: String
    /// The device type within the subsystem, such as `disk` or `partition` for `block`.
    public var devtype: String?
    /// The device node, such as `/dev/sr0`, when the device has one.
    public var devnode: String?
    /// The udev properties (`ID_CDROM`, `ID_VENDOR`, ...), as `udevadm info` lists them.
    public var properties: [String: String]
    /// The `scsi_device` parent, when the device sits on a SCSI bus and its parent could be
    /// read. libudev cannot read it for a device that is being removed.
    public var scsiDevice: SCSIDeviceIdentity?

    /// Makes a device description.
    public init(
        devpath: String, subsystem: String, devtype: String? = nil, devnode: String? = nil,
        properties: [String: String] = [:], scsiDevice: SCSIDeviceIdentity? = nil
    ) {
        self.devpath = devpath
        self.subsystem = subsystem
        self.devtype = devtype
        self.devnode = devnode
        self.properties = properties
        self.scsiDevice = scsiDevice
    }

    /// The full sysfs path, such as `/sys/devices/.../block/sr0`.
    public var syspath: String { "/sys" + devpath }

    /// The kernel's name of the device, the last component of its path, such as `sr0`.
    public var sysname: String {
        String(devpath.split(separator: "/").last ?? Substring(devpath))
    }
}

/// A uevent after udev has applied its rules: the action and the device as it is now.
public struct UdevEvent: Sendable, Equatable {
    public var action: UdevAction
    public var device: UdevDevice

    /// Makes an event of `action` on `device`.
    public init(action: UdevAction, device: UdevDevice) {
        self.action = action
        self.device = device
    }
}

/// The outcome of one wait for a udev event.
public enum UdevReceiveResult: Sendable, Equatable {
    /// An event arrived.
    case event(UdevEvent)
    /// No event arrived within the timeout.
    case timedOut
    /// The kernel dropped events because the socket's receive buffer was full, so the
    /// caller must enumerate again to learn the current set of devices.
    case eventsLost
}

/// A source of udev devices and events: the netlink monitor of libudev on a device, or a
/// replay of recorded devices and events in tests.
///
/// A source delivers only devices of ``trackedSubsystems``. The monitor calls
/// ``enumerate()`` and ``receive(timeoutMilliseconds:)`` from one thread at a time, and both
/// block, so they never run on the cooperative pool.
public protocol UdevSource: AnyObject, Sendable {
    /// Lists the devices of the tracked subsystems that are present now.
    /// - Throws: `MediaCenterError` when the list cannot be read.
    func enumerate() throws -> [UdevDevice]

    /// Waits up to `timeoutMilliseconds` for the next event of a tracked subsystem.
    /// - Throws: `MediaCenterError` when the event socket fails.
    func receive(timeoutMilliseconds: Int32) throws -> UdevReceiveResult
}

/// The subsystems whose devices the tracker follows: optical drives are `block` devices,
/// and a medium changer has a SCSI generic node and, with the kernel's `ch` driver loaded,
/// a `scsi_changer` node.
public let trackedSubsystems = ["block", "scsi_generic", "scsi_changer"]
