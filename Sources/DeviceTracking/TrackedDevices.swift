import MediaHardware

/// The state of a medium as udev's `cdrom_id` reports it in `ID_CDROM_MEDIA_STATE`.
public enum UdevMediaState: String, Sendable, Equatable {
    /// No data on it yet.
    case blank
    /// Written in an open session, so more can be appended.
    case appendable
    /// Written and closed.
    case complete
    /// A state `cdrom_id` does not tell apart, or no state property at all.
    case other
}

/// The medium in an optical drive, as udev reports it.
public struct DetectedMedia: Sendable, Equatable {
    /// The kind of medium, from the `ID_CDROM_MEDIA_*` flag that `cdrom_id` sets.
    public var profile: MediaProfile
    /// udev's name of the medium kind, such as `cd_r` or `dvd_plus_rw`, from the flag
    /// property `ID_CDROM_MEDIA_CD_R`; empty when no such flag is set.
    public var udevProfileName: String
    /// Blank, appendable or complete.
    public var state: UdevMediaState
    /// The number of sessions on the medium, from `ID_CDROM_MEDIA_SESSION_COUNT`.
    public var sessionCount: Int?
    /// The number of tracks on the medium, from `ID_CDROM_MEDIA_TRACK_COUNT`.
    public var trackCount: Int?

    /// Makes a medium description.
    public init(
        profile: MediaProfile, udevProfileName: String, state: UdevMediaState,
        sessionCount: Int? = nil, trackCount: Int? = nil
    ) {
        self.profile = profile
        self.udevProfileName = udevProfileName
        self.state = state
        self.sessionCount = sessionCount
        self.trackCount = trackCount
    }

    /// The medium's state in the product's terms: blank media can be written, written
    /// media cannot, and `other` is unsuitable.
    public var discStatus: DiscStatus {
        switch state {
        case .blank: .blank
        case .appendable, .complete: .written
        case .other: .unsuitable
        }
    }
}

/// Vendor, model, revision and serial number of a device, as far as udev gives them.
public struct DeviceIdentity: Sendable, Equatable {
    public var vendor: String?
    public var model: String?
    public var revision: String?
    public var serial: String?

    /// Makes an identity.
    public init(
        vendor: String? = nil, model: String? = nil, revision: String? = nil,
        serial: String? = nil
    ) {
        self.vendor = vendor
        self.model = model
        self.revision = revision
        self.serial = serial
    }
}

/// An optical drive that udev reports, such as `/dev/sr0`.
public struct TrackedDrive: Sendable, Equatable {
    /// The path below `/sys` that names the drive while it is plugged in.
    public var devpath: String
    /// The device node, such as `/dev/sr0`, which is also the drive's libburn address.
    public var devnode: String
    public var identity: DeviceIdentity
    /// The medium in the drive, or nil when the drive is empty or its tray is open.
    public var media: DetectedMedia?

    /// Makes a drive description.
    public init(
        devpath: String, devnode: String, identity: DeviceIdentity = DeviceIdentity(),
        media: DetectedMedia? = nil
    ) {
        self.devpath = devpath
        self.devnode = devnode
        self.identity = identity
        self.media = media
    }

    /// The full sysfs path, such as `/sys/devices/.../block/sr0`.
    public var syspath: String { "/sys" + devpath }
}

/// A SCSI medium changer (peripheral device type 8), known by its SCSI generic node, its
/// `ch` driver node, or both.
public struct TrackedChanger: Sendable, Equatable {
    /// The path below `/sys` of the changer's `scsi_device`, which its nodes share. For a
    /// node whose parent could not be read, the node's own path.
    public var devpath: String
    /// The SCSI generic node, such as `/dev/sg3`, through which SCSI commands reach it.
    public var genericNode: String?
    /// The device path of the SCSI generic node.
    public var genericDevpath: String?
    /// The node of the kernel's changer driver, such as `/dev/sch0`.
    public var changerNode: String?
    /// The device path of the changer driver node.
    public var changerDevpath: String?
    public var identity: DeviceIdentity

    /// Makes a changer description with no nodes yet.
    public init(devpath: String, identity: DeviceIdentity = DeviceIdentity()) {
        self.devpath = devpath
        self.identity = identity
    }

    /// The full sysfs path of the changer's `scsi_device`.
    public var syspath: String { "/sys" + devpath }

    /// The nodes the changer has now, the SCSI generic node first.
    public var nodes: [String] { [genericNode, changerNode].compactMap { $0 } }
}

/// A change in the set of drives and changers, or in a drive's medium.
public enum DeviceEvent: Sendable, Equatable {
    /// An optical drive appeared, at start or when plugged in. Its medium is part of it,
    /// and no ``mediaInserted(_:)`` follows for a medium already present.
    case driveAdded(TrackedDrive)
    /// An optical drive went away, such as a USB drive unplugged during a burn.
    case driveRemoved(TrackedDrive)
    /// A medium was inserted into an empty drive.
    case mediaInserted(TrackedDrive)
    /// The medium left the drive, or its tray opened.
    case mediaEjected(TrackedDrive)
    /// The medium stayed but its state changed, such as from blank to complete after a
    /// write.
    case mediaChanged(TrackedDrive)
    /// Someone pressed the drive's eject button while udev held the tray locked. The
    /// medium stays until `cdrom_id` or the daemon ejects it.
    case ejectRequested(TrackedDrive)
    /// A medium changer appeared with its first node.
    case changerAdded(TrackedChanger)
    /// A changer that was already known gained or lost one of its two nodes.
    case changerUpdated(TrackedChanger)
    /// A medium changer lost its last node.
    case changerRemoved(TrackedChanger)
}
