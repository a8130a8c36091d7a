import DiscBurner
import Foundation
import ScsiChanger

/// The roles of a SCSI medium changer's elements in the appliance, as the
/// `scsi_changer_*` keys set them.
public struct ScsiChangerSettings: Sendable, Equatable {
    /// The changer's SCSI generic node, such as `/dev/sg3`, or empty for the first changer
    /// that udev reports.
    public var device = ""
    /// The slots blank discs are taken from.
    public var input: [ScsiChangerConfiguration.ElementRange] = []
    /// The slots verified discs go to.
    public var output: [ScsiChangerConfiguration.ElementRange] = []
    /// The slots rejected discs go to.
    public var reject: [ScsiChangerConfiguration.ElementRange] = []
    /// The drives' device nodes and their data transfer elements.
    public var drives: [ScsiChangerConfiguration.Drive] = []

    public init() {}
}

extension ConfigurationKey {
    static let burnSpeed = ConfigurationKey(
        name: "burn_speed", option: "--burn-speed", aliases: [], placeholder: "SPEED",
        summary: "write speed of optical drives: max, or a multiple of the medium's 1x speed "
            + "such as 16 (the drive rounds it to a speed it supports)",
        allowed: "max, or a whole number from 1 to 64", inEffect: true,
        apply: { text, configuration in
            if text.lowercased() == "max" {
                configuration.burnSpeed = .maximum
            } else if let factor = Int(text), (1...64).contains(factor) {
                configuration.burnSpeed = .factor(factor)
            } else {
                throw InvalidValue()
            }
        },
        format: { configuration in
            switch configuration.burnSpeed {
            case .maximum: "max"
            case .factor(let factor): String(factor)
            }
        })

    static let scsiChangerDevice = ConfigurationKey(
        name: "scsi_changer_device", option: "--scsi-changer-device", aliases: [],
        placeholder: "NODE",
        summary: "SCSI generic node of the medium changer for changer = scsi, such as "
            + "/dev/sg3; empty takes the first changer udev reports",
        allowed: "empty, or a path under /dev", inEffect: true,
        apply: { text, configuration in
            guard text.isEmpty || (text.hasPrefix("/dev/") && !text.contains(" ")) else {
                throw InvalidValue(reason: "a changer node is a path under /dev")
            }
            configuration.scsiChanger.device = text
        },
        format: { $0.scsiChanger.device })

    static let scsiChangerInput = elementKey(
        name: "scsi_changer_input", option: "--scsi-changer-input", bin: "input",
        \.input)
    static let scsiChangerOutput = elementKey(
        name: "scsi_changer_output", option: "--scsi-changer-output", bin: "output",
        \.output)
    static let scsiChangerReject = elementKey(
        name: "scsi_changer_reject", option: "--scsi-changer-reject", bin: "reject",
        \.reject)

    static let scsiChangerDrives = ConfigurationKey(
        name: "scsi_changer_drives", option: "--scsi-changer-drives", aliases: [],
        placeholder: "LIST",
        summary: "for changer = scsi, each drive's device node and the element address of "
            + "its data transfer element, such as /dev/sr0=256,/dev/sr1=257",
        allowed: "empty, or NODE=ADDRESS entries separated by commas, with decimal or 0x "
            + "hexadecimal addresses",
        inEffect: true,
        apply: { text, configuration in
            configuration.scsiChanger.drives = try parseChangerDrives(text)
        },
        format: { configuration in
            configuration.scsiChanger.drives.map { "\($0.name)=\($0.address)" }
                .joined(separator: ",")
        })

    /// Makes the key of one bin's element ranges.
    private static func elementKey(
        name: String, option: String, bin: String,
        _ field: any WritableKeyPath<ScsiChangerSettings, [ScsiChangerConfiguration.ElementRange]>
            & Sendable
    ) -> ConfigurationKey {
        ConfigurationKey(
            name: name, option: option, aliases: [], placeholder: "RANGES",
            summary: "for changer = scsi, the elements of the \(bin) bin: slot (storage) or "
                + "mail (import/export) ranges of element addresses, such as slot:4096-4145",
            allowed: "empty, or KIND:FIRST-LAST entries separated by commas, KIND slot or "
                + "mail, with decimal or 0x hexadecimal addresses",
            inEffect: true,
            apply: { text, configuration in
                configuration.scsiChanger[keyPath: field] = try parseElementRanges(text)
            },
            format: { configuration in
                configuration.scsiChanger[keyPath: field].map { range in
                    let kind = range.type == .importExport ? "mail" : "slot"
                    let last = Int(range.first) + Int(range.count) - 1
                    return "\(kind):\(range.first)-\(last)"
                }.joined(separator: ",")
            })
    }
}

/// Reads an element address, decimal or with a `0x` prefix.
private func parseElementAddress(_ text: Substring) throws -> UInt16 {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let value =
        trimmed.lowercased().hasPrefix("0x")
        ? UInt16(trimmed.dropFirst(2), radix: 16) : UInt16(trimmed)
    guard let value else {
        throw InvalidValue(reason: "\"\(trimmed)\" is not an element address from 0 to 65535")
    }
    return value
}

/// Reads `slot:FIRST-LAST,mail:FIRST-LAST,...`.
private func parseElementRanges(_ text: String) throws -> [ScsiChangerConfiguration.ElementRange] {
    guard !text.isEmpty else { return [] }
    return try text.split(separator: ",").map { entry in
        let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw InvalidValue(reason: "\"\(entry)\" lacks the KIND: prefix")
        }
        let type: ElementType
        switch parts[0].trimmingCharacters(in: .whitespaces).lowercased() {
        case "slot": type = .storage
        case "mail": type = .importExport
        default: throw InvalidValue(reason: "\"\(parts[0])\" is neither slot nor mail")
        }
        let bounds = parts[1].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let first = try parseElementAddress(bounds[0])
        let last = bounds.count == 2 ? try parseElementAddress(bounds[1]) : first
        guard last >= first else {
            throw InvalidValue(reason: "\"\(entry)\" ends before it starts")
        }
        return ScsiChangerConfiguration.ElementRange(
            type, first: first, count: last - first + 1)
    }
}

/// Reads `NODE=ADDRESS,...`.
private func parseChangerDrives(_ text: String) throws -> [ScsiChangerConfiguration.Drive] {
    guard !text.isEmpty else { return [] }
    return try text.split(separator: ",").map { entry in
        let parts = entry.split(separator: "=", maxSplits: 1)
        let node = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard parts.count == 2, node.hasPrefix("/dev/") else {
            throw InvalidValue(reason: "\"\(entry)\" is not NODE=ADDRESS with a node under /dev")
        }
        return ScsiChangerConfiguration.Drive(
            name: node, address: try parseElementAddress(parts[1]))
    }
}
