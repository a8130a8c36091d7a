import MediaCenterCore

/// Reads devices and events in the text forms that udev's tools print, so that recordings
/// from a device can be replayed: `udevadm info --query=all` or `--export-db` for devices,
/// and `udevadm monitor --udev --property` for events.
///
/// A device recording is a list of records separated by blank lines. Each line of a record
/// is a one-letter field, a colon, a space and a value. `P` is the device path, `U` the
/// subsystem, `T` the device type, `N` the node below `/dev`, and `E` one property as
/// `KEY=value`. The `E: SUBSYSTEM=`, `E: DEVTYPE=` and `E: DEVNAME=` properties, which
/// every version prints, take precedence over `U`, `T` and `N`. Other fields, such as
/// `S` for symbolic links, are skipped.
///
/// An event recording is a list of blocks that each start with a header line such as
/// `UDEV  [1234.567890] add      /devices/.../block/sr0 (block)`, followed by one
/// `KEY=value` line per property. Blocks with a `KERNEL` header are the kernel's uevents
/// before udev's rules ran, which the daemon never receives, so they are skipped, and so
/// are the lines `udevadm monitor` prints before the first event.
public enum UdevRecording {
    /// Parses a device recording.
    /// - Throws: `MediaCenterError` with `.parseFailure` naming the line that is not a
    ///   field, or the record that has no device path or subsystem.
    public static func devices(from text: String) throws -> [UdevDevice] {
        var devices: [UdevDevice] = []
        var record = Record()
        for (index, line) in lines(of: text) {
            if line.isEmpty {
                if let device = try record.device() { devices.append(device) }
                record = Record()
                continue
            }
            guard line.count >= 3, line.dropFirst().hasPrefix(": ") else {
                throw MediaCenterError(
                    .parseFailure,
                    "line \(index) of the udev device recording is not a field: \"\(line)\"; "
                        + "write one field per line as `udevadm info --query=all` prints it, "
                        + "such as `E: ID_CDROM=1`")
            }
            let value = String(line.dropFirst(3))
            switch line.first {
            case "P": record.devpath = value
            case "U": record.subsystem = value
            case "T": record.devtype = value
            case "N": record.nodeName = value
            case "E": try record.addProperty(value, line: index)
            default: break
            }
            record.firstLine = record.firstLine ?? index
        }
        if let device = try record.device() { devices.append(device) }
        return devices
    }

    /// Parses an event recording.
    /// - Throws: `MediaCenterError` with `.parseFailure` naming a header line whose action
    ///   is unknown, or a property line without `=`.
    public static func events(from text: String) throws -> [UdevEvent] {
        var events: [UdevEvent] = []
        var record: Record?
        var action: UdevAction?
        var skipping = true

        func finish() throws {
            if let current = record, let action, let device = try current.device() {
                events.append(UdevEvent(action: action, device: device))
            }
            record = nil
        }

        for (index, line) in lines(of: text) {
            if let source = headerSource(line) {
                try finish()
                skipping = source == "KERNEL"
                if skipping { continue }
                action = try headerAction(line, line: index)
                record = Record(firstLine: index)
                continue
            }
            guard !skipping, record != nil, !line.isEmpty else {
                if line.isEmpty { try finish() }
                continue
            }
            try record?.addProperty(line, line: index)
            if let named = record?.properties["ACTION"] {
                guard let parsed = UdevAction(rawValue: named) else {
                    throw unknownAction(named, line: index)
                }
                action = parsed
            }
        }
        try finish()
        return events
    }

    /// Returns `UDEV` or `KERNEL` for an event header such as `UDEV  [5123.403871] add ...`,
    /// or nil for any other line, such as the legend `UDEV - the event which udev sends out`.
    private static func headerSource(_ line: String) -> String? {
        for source in ["UDEV", "KERNEL"] where line.hasPrefix(source) {
            if line.dropFirst(source.count).drop(while: { $0 == " " }).first == "[" {
                return source
            }
        }
        return nil
    }

    /// Reads the action, the first word after the time in brackets, of a
    /// `UDEV  [time] action devpath (subsystem)` header.
    private static func headerAction(_ line: String, line index: Int) throws -> UdevAction {
        let afterTime = line.firstIndex(of: "]").map { line[line.index(after: $0)...] }
        guard let word = afterTime?.split(separator: " ").first else {
            throw MediaCenterError(
                .parseFailure,
                "line \(index) of the udev event recording is a short header: \"\(line)\"; "
                    + "write it as `udevadm monitor --udev --property` prints it")
        }
        guard let action = UdevAction(rawValue: String(word)) else {
            throw unknownAction(String(word), line: index)
        }
        return action
    }

    private static func unknownAction(_ name: String, line index: Int) -> MediaCenterError {
        MediaCenterError(
            .parseFailure,
            "line \(index) of the udev event recording has the unknown action \"\(name)\"; "
                + "use add, remove, change, move, online, offline, bind or unbind")
    }

    /// Splits `text` into lines numbered from 1, without trailing white space.
    private static func lines(of text: String) -> [(Int, String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            index, line in
            let trimmed = line.reversed().drop(while: \.isWhitespace).reversed()
            return (index + 1, String(trimmed))
        }
    }

    /// The fields of one record while it is read.
    private struct Record {
        var firstLine: Int?
        var devpath: String?
        var subsystem: String?
        var devtype: String?
        var nodeName: String?
        var properties: [String: String] = [:]

        mutating func addProperty(_ text: String, line index: Int) throws {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw MediaCenterError(
                    .parseFailure,
                    "line \(index) of the udev recording is not a property: \"\(text)\"; "
                        + "write it as KEY=value")
            }
            properties[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }

        /// Returns the device, or nil for a record with no lines at all.
        func device() throws -> UdevDevice? {
            guard firstLine != nil || !properties.isEmpty else { return nil }
            guard let devpath = properties["DEVPATH"] ?? devpath,
                let subsystem = properties["SUBSYSTEM"] ?? subsystem
            else {
                throw MediaCenterError(
                    .parseFailure,
                    "the udev record starting at line \(firstLine ?? 0) has no device path or "
                        + "no subsystem; add `P: /devices/...` and `E: SUBSYSTEM=...`")
            }
            var devnode = properties["DEVNAME"] ?? nodeName
            if let name = devnode, !name.hasPrefix("/") {
                devnode = "/dev/" + name
            }
            return UdevDevice(
                devpath: devpath, subsystem: subsystem,
                devtype: properties["DEVTYPE"] ?? devtype, devnode: devnode,
                properties: properties)
        }
    }
}
