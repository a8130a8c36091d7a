import MediaHardware

/// The set of optical drives and medium changers that udev reports, kept up to date from
/// its events. Each method returns the changes that an event made, in order.
///
/// A block device is an optical drive when udev set `ID_CDROM=1` on it, or when it is an
/// `sr` disk. The kernel's SCSI CD-ROM driver creates `sr` disks only for optical drives, so
/// the name still identifies a drive whose udev database entry is missing. A medium changer is a
/// SCSI generic node whose `scsi_device` has peripheral device type 8, or a node of the
/// `scsi_changer` class. The nodes of one changer share their `scsi_device`, so they make
/// one ``TrackedChanger``.
///
/// The tracker is a value with no locks; ``DeviceRegistry`` shares it between threads.
public struct DeviceTracker: Sendable {
    /// The drives present, by device path.
    public private(set) var drives: [String: TrackedDrive] = [:]
    /// The changers present, by the device path of their `scsi_device`.
    public private(set) var changers: [String: TrackedChanger] = [:]
    /// The changer key of each changer node, by the node's device path.
    private var changerOfNode: [String: String] = [:]

    /// The SCSI peripheral device type of a medium changer.
    static let mediumChangerType = 8

    /// Makes an empty tracker.
    public init() {}

    /// Applies one event and returns the changes it made. Events of other devices, such as
    /// hard disks, partitions or SCSI generic nodes of disks, change nothing.
    public mutating func apply(_ event: UdevEvent) -> [DeviceEvent] {
        let device = event.device
        switch event.action {
        case .remove:
            return remove(devpath: device.devpath)
        case .move:
            // A renamed device keeps its state under its new path, which the next event
            // then updates as usual.
            if let old = device.properties["DEVPATH_OLD"] {
                rename(from: old, to: device.devpath)
            }
            return update(device)
        case .add, .change, .online, .bind:
            return update(device)
        case .offline, .unbind:
            return []
        }
    }

    /// Compares the tracked devices with `present`, the result of a new enumeration, and
    /// returns the changes: removals of devices that are gone, then additions and media
    /// changes. The monitor calls it after the kernel dropped events.
    public mutating func reconcile(with present: [UdevDevice]) -> [DeviceEvent] {
        let presentPaths = Set(present.map(\.devpath))
        var changes: [DeviceEvent] = []
        for devpath in drives.keys.sorted() where !presentPaths.contains(devpath) {
            changes += remove(devpath: devpath)
        }
        for devpath in changerOfNode.keys.sorted() where !presentPaths.contains(devpath) {
            changes += remove(devpath: devpath)
        }
        for device in present {
            changes += update(device)
        }
        return changes
    }

    // MARK: - Drives

    /// Returns whether `device` is the whole-disk block device of an optical drive.
    static func isOpticalDrive(_ device: UdevDevice) -> Bool {
        guard device.subsystem == "block" else { return false }
        guard device.devtype == nil || device.devtype == "disk" else { return false }
        if device.properties["ID_CDROM"] == "1" { return true }
        let name = device.sysname
        return name.hasPrefix("sr") && name.count > 2
            && name.dropFirst(2).allSatisfy { $0.isASCII && $0.isNumber }
    }

    private mutating func update(_ device: UdevDevice) -> [DeviceEvent] {
        switch device.subsystem {
        case "block":
            return updateDrive(device)
        case "scsi_generic":
            let isChanger = device.scsiDevice?.peripheralType == Self.mediumChangerType
            guard isChanger || changerOfNode[device.devpath] != nil else { return [] }
            return updateChanger(device, isGenericNode: true)
        case "scsi_changer":
            return updateChanger(device, isGenericNode: false)
        default:
            return []
        }
    }

    private mutating func updateDrive(_ device: UdevDevice) -> [DeviceEvent] {
        guard Self.isOpticalDrive(device) else { return [] }
        let current = Self.drive(from: device)

        guard let previous = drives[device.devpath] else {
            drives[device.devpath] = current
            return [.driveAdded(current)]
        }

        // The event for a press of the eject button carries no medium properties, because
        // udev's cdrom rules skip `cdrom_id` for it, so the medium is kept as it was.
        if device.properties["DISK_EJECT_REQUEST"] == "1" {
            return [.ejectRequested(previous)]
        }

        drives[device.devpath] = current
        switch (previous.media, current.media) {
        case (nil, .some):
            return [.mediaInserted(current)]
        case (.some, nil):
            return [.mediaEjected(current)]
        case (.some(let before), .some(let after)) where before != after:
            return [.mediaChanged(current)]
        default:
            return []
        }
    }

    /// Builds the drive that `device` describes.
    static func drive(from device: UdevDevice) -> TrackedDrive {
        TrackedDrive(
            devpath: device.devpath,
            devnode: device.devnode ?? "/dev/" + device.sysname,
            identity: identity(of: device),
            media: media(of: device.properties))
    }

    /// Reads the medium from `cdrom_id`'s properties, or nil when `ID_CDROM_MEDIA` is not 1.
    static func media(of properties: [String: String]) -> DetectedMedia? {
        guard properties["ID_CDROM_MEDIA"] == "1" else { return nil }

        // cdrom_id sets one flag for the medium's current profile, such as
        // ID_CDROM_MEDIA_CD_R=1. The other ID_CDROM_MEDIA_ properties hold counts and state.
        let prefix = "ID_CDROM_MEDIA_"
        let flags = properties.filter { key, value in
            value == "1" && key.hasPrefix(prefix)
                && mediaProfiles[String(key.dropFirst(prefix.count))] != nil
        }
        let name = flags.keys.sorted().first.map { String($0.dropFirst(prefix.count)) } ?? ""

        return DetectedMedia(
            profile: mediaProfiles[name] ?? .unknown,
            udevProfileName: name.lowercased(),
            state: properties["ID_CDROM_MEDIA_STATE"].flatMap(UdevMediaState.init) ?? .other,
            sessionCount: properties["ID_CDROM_MEDIA_SESSION_COUNT"].flatMap { Int($0) },
            trackCount: properties["ID_CDROM_MEDIA_TRACK_COUNT"].flatMap { Int($0) })
    }

    /// The medium flags of `cdrom_id` (systemd 252), by the part after `ID_CDROM_MEDIA_`,
    /// with the profile each stands for. Read-only and rewritable kinds the product does not
    /// burn map to `unknown`.
    static let mediaProfiles: [String: MediaProfile] = [
        "CD": .unknown, "CD_R": .cdr, "CD_RW": .cdrw,
        "DVD_ROM": .unknown, "DVD_R": .dvdr, "DVD_RAM": .unknown,
        "DVD_RW": .dvdrw, "DVD_RW_RO": .dvdrw, "DVD_RW_SEQ": .dvdrw,
        "DVD_PLUS_R": .dvdPlusR, "DVD_PLUS_R_DL": .dvdPlusR,
        "DVD_PLUS_RW": .dvdPlusRW, "DVD_PLUS_RW_DL": .dvdPlusRW,
        "BD": .unknown, "BD_R": .bdr, "BD_RE": .bdre,
        "HDDVD": .unknown, "HDDVD_R": .unknown, "HDDVD_RW": .unknown,
        "MO": .unknown, "MRW": .unknown, "MRW_W": .unknown,
    ]

    /// Reads vendor, model, revision and serial number from udev's `ID_` properties, and
    /// falls back on the SCSI INQUIRY strings of the parent for vendor and model.
    static func identity(of device: UdevDevice) -> DeviceIdentity {
        let properties = device.properties
        let vendor = decoded(properties["ID_VENDOR_ENC"]) ?? nonEmpty(properties["ID_VENDOR"])
        let model = decoded(properties["ID_MODEL_ENC"]) ?? nonEmpty(properties["ID_MODEL"])
        let serial =
            nonEmpty(properties["ID_SCSI_SERIAL"])
            ?? nonEmpty(properties["ID_SERIAL_SHORT"]) ?? nonEmpty(properties["ID_SERIAL"])
        return DeviceIdentity(
            vendor: vendor ?? nonEmpty(device.scsiDevice?.vendor),
            model: model ?? nonEmpty(device.scsiDevice?.model),
            revision: nonEmpty(properties["ID_REVISION"]),
            serial: serial)
    }

    /// Decodes a udev `_ENC` value, in which each byte other than a letter or digit may be
    /// written as `\xNN`, and trims the spaces that pad SCSI INQUIRY strings.
    static func decoded(_ value: String?) -> String? {
        guard let value else { return nil }
        var bytes: [UInt8] = []
        var input = Array(value.utf8)[...]
        while let byte = input.first {
            if byte == UInt8(ascii: "\\"), input.count >= 4,
                input[input.startIndex + 1] == UInt8(ascii: "x"),
                let high = hexValue(input[input.startIndex + 2]),
                let low = hexValue(input[input.startIndex + 3])
            {
                bytes.append(high << 4 | low)
                input = input.dropFirst(4)
            } else {
                bytes.append(byte)
                input = input.dropFirst()
            }
        }
        return nonEmpty(String(decoding: bytes, as: UTF8.self))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Returns `value` without surrounding white space, or nil when nothing is left.
    static func nonEmpty(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
            .reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    // MARK: - Changers

    private mutating func updateChanger(
        _ device: UdevDevice, isGenericNode: Bool
    ) -> [DeviceEvent] {
        let key = changerOfNode[device.devpath] ?? device.scsiDevice?.devpath ?? device.devpath
        let node = device.devnode ?? "/dev/" + device.sysname
        let existing = changers[key]
        var changer = existing ?? TrackedChanger(devpath: key)

        if isGenericNode {
            changer.genericNode = node
            changer.genericDevpath = device.devpath
        } else {
            changer.changerNode = node
            changer.changerDevpath = device.devpath
        }
        changer.identity = Self.merged(changer.identity, Self.identity(of: device))
        changerOfNode[device.devpath] = key
        changers[key] = changer

        guard let existing else { return [.changerAdded(changer)] }
        return existing == changer ? [] : [.changerUpdated(changer)]
    }

    /// Keeps each field of `known` and fills the ones it lacks from `new`, so that a node
    /// without `ID_` properties does not erase what another node of the changer gave.
    private static func merged(_ known: DeviceIdentity, _ new: DeviceIdentity) -> DeviceIdentity {
        DeviceIdentity(
            vendor: known.vendor ?? new.vendor, model: known.model ?? new.model,
            revision: known.revision ?? new.revision, serial: known.serial ?? new.serial)
    }

    // MARK: - Removal

    private mutating func remove(devpath: String) -> [DeviceEvent] {
        if let drive = drives.removeValue(forKey: devpath) {
            return [.driveRemoved(drive)]
        }
        guard let key = changerOfNode.removeValue(forKey: devpath),
            var changer = changers[key]
        else { return [] }

        if changer.genericDevpath == devpath {
            changer.genericNode = nil
            changer.genericDevpath = nil
        }
        if changer.changerDevpath == devpath {
            changer.changerNode = nil
            changer.changerDevpath = nil
        }
        if changer.nodes.isEmpty {
            changers[key] = nil
            return [.changerRemoved(changer)]
        }
        changers[key] = changer
        return [.changerUpdated(changer)]
    }

    private mutating func rename(from old: String, to new: String) {
        if var drive = drives.removeValue(forKey: old) {
            drive.devpath = new
            drives[new] = drive
        }
        guard let key = changerOfNode.removeValue(forKey: old) else { return }
        changerOfNode[new] = key
        if changers[key]?.genericDevpath == old { changers[key]?.genericDevpath = new }
        if changers[key]?.changerDevpath == old { changers[key]?.changerDevpath = new }
    }
}
