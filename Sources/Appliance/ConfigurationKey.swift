import DicomNetwork
import DiscBurner
import FileSetBuilder
import Glibc
import JobEngine
import MediaCenterCore
import MediaHardware

/// One setting as the configuration file and the command line name it: its key, its
/// option, what it accepts, and how it reads and writes its `Configuration` property.
///
/// `ConfigurationKey.all` is the one table of settings. The file parser, the option
/// parser, `mediacenterd --help` and `mediacenterd --print-config` are all made from it.
public struct ConfigurationKey: Sendable {
    /// The key in the configuration file, such as `max_pdu_size`.
    public let name: String
    /// The command-line option, such as `--max-pdu-size`.
    public let option: String
    /// Other spellings of the option that older command lines use.
    public let aliases: [String]
    /// The option's value in the usage text, such as `BYTES`.
    public let placeholder: String
    /// One line on what the setting controls, without a final period.
    public let summary: String
    /// What the key accepts, as it reads after "expected", such as "a whole number from 1
    /// to 65535".
    public let allowed: String
    /// Whether the daemon uses the value. A key that is not in effect yet is still read
    /// and checked, so configuration files can set it already.
    public let inEffect: Bool
    /// Whether SIGHUP applies a changed value to the running daemon. A change to any other
    /// key is reported as needing a restart and keeps its running value.
    public internal(set) var reloads = false

    /// Stores `value` into the configuration, or throws `InvalidValue` without changing it.
    let apply: @Sendable (String, inout Configuration) throws -> Void
    /// Formats the configuration's value so that `apply` reads it back unchanged.
    let format: @Sendable (Configuration) -> String

    /// The built-in default, formatted as the configuration file takes it.
    public var defaultValue: String { format(Configuration()) }

    /// The built-in default as `--help` and `--print-config` show it: "empty" for an empty
    /// value, which would read as a missing word.
    public var defaultDescription: String { defaultValue.isEmpty ? "empty" : defaultValue }

    /// Formats the value of this key in `configuration`.
    public func value(in configuration: Configuration) -> String {
        format(configuration)
    }

    /// Returns the key named `name` in the configuration file, or nil.
    public static func named(_ name: String) -> ConfigurationKey? {
        all.first { $0.name == name }
    }

    /// Returns the key that the command-line option `option` or an alias of it sets, or nil.
    public static func forOption(_ option: String) -> ConfigurationKey? {
        all.first { $0.option == option || $0.aliases.contains(option) }
    }
}

extension ConfigurationKey: Equatable {
    /// Compares keys by name, which is unique in `ConfigurationKey.all`.
    public static func == (lhs: ConfigurationKey, rhs: ConfigurationKey) -> Bool {
        lhs.name == rhs.name
    }
}

extension ConfigurationKey {
    /// Every setting, in the order `--help` and `--print-config` show them.
    public static let all: [ConfigurationKey] = [
        ConfigurationKey(
            name: "data_dir", option: "--data-dir", aliases: [], placeholder: "DIR",
            summary: "folder for the database, the spool, the disc images and the control "
                + "socket",
            allowed: "a folder path without control characters", inEffect: true,
            apply: { text, configuration in
                configuration.dataDirectory = try parseFolderPath(text)
            },
            format: { $0.dataDirectory }),
        ConfigurationKey(
            name: "ae_titles", option: "--ae-titles", aliases: ["--ae-title"],
            placeholder: "AET[,AET...]",
            summary: "called AE titles the DICOM listener accepts, separated by commas; the "
                + "first is written as Source AE Title on the discs",
            allowed: "1 to 16 AE titles separated by commas, each 1 to 16 printable ASCII "
                + "characters without backslash and not all spaces, none listed twice",
            inEffect: true,
            apply: { text, configuration in
                configuration.aeTitles = try parseAETitles(text)
            },
            format: { $0.aeTitles.joined(separator: ",") }),
        wholeNumber(
            name: "port", option: "--port", placeholder: "N",
            summary: "TCP port of the DICOM listener",
            range: Configuration.portRange, \.port),
        ConfigurationKey(
            name: "bind_address", option: "--bind-address", aliases: [],
            placeholder: "ADDRESS",
            summary: "address the DICOM listener binds to; 0.0.0.0 is every IPv4 interface "
                + "and :: every IPv6 one",
            allowed: "a numeric IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1 or ::1",
            inEffect: true,
            apply: { text, configuration in
                configuration.bindAddress = try parseNumericAddress(text)
            },
            format: { $0.bindAddress }),
        wholeNumber(
            name: "max_associations", option: "--max-associations", placeholder: "N",
            summary: "associations served at once; a request beyond them is rejected as "
                + "transient",
            range: StorageSCPConfiguration.maxAssociationsRange, \.maxAssociations),
        wholeNumber(
            name: "max_pdu_size", option: "--max-pdu-size", placeholder: "BYTES",
            summary: "largest PDU the DICOM listener receives, in bytes",
            range: StorageSCPConfiguration.maxPDUSizeRange, \.maxPDUSize),
        wholeNumber(
            name: "association_timeout", option: "--association-timeout",
            placeholder: "SECONDS",
            summary: "seconds to wait for the association request after a connection "
                + "opens (ARTIM timer)",
            range: StorageSCPConfiguration.timeoutRange, \.associationTimeout),
        wholeNumber(
            name: "dimse_timeout", option: "--dimse-timeout", placeholder: "SECONDS",
            summary: "seconds to wait for each DIMSE message or data PDU of an association",
            range: StorageSCPConfiguration.timeoutRange, \.dimseTimeout),
        onOff(
            name: "access_control", option: "--access-control",
            summary: "accept only the peers on the access list; off accepts every peer "
                + "(open mode, for a lab)",
            inEffect: true, reloads: true, \.accessControl),
        onOff(
            name: "extended_sop_classes", option: "--extended-sop-classes",
            summary: "also accept the storage SOP classes of the current standard beyond the "
                + "main table, such as Segmentation and Breast Tomosynthesis",
            inEffect: true, \.extendedSOPClasses),
        ConfigurationKey(
            name: "transcode_to", option: "--transcode-to", aliases: [], placeholder: "UID",
            summary: "transfer syntax that received instances are converted to before they "
                + "are stored; none stores each data set byte for byte as received",
            allowed: "none, \(TransferSyntax.explicitVRLittleEndian.rawValue) (Explicit VR "
                + "Little Endian) or \(TransferSyntax.implicitVRLittleEndian.rawValue) "
                + "(Implicit VR Little Endian)",
            inEffect: true, reloads: true,
            apply: { text, configuration in
                configuration.transcodeTo = try parseTranscodeTarget(text)
            },
            format: { $0.transcodeTo?.rawValue ?? "none" }),
        ConfigurationKey(
            name: "spool_high_water", option: "--spool-high-water", aliases: [],
            placeholder: "PERCENT",
            summary: "percentage of the spool file system in use above which a new C-STORE "
                + "gets status A700 (out of resources)",
            allowed: wholeNumberText(Configuration.spoolHighWaterRange), inEffect: true,
            reloads: true,
            apply: { text, configuration in
                configuration.spoolHighWater = try parseWholeNumber(
                    text, in: Configuration.spoolHighWaterRange)
            },
            format: { String($0.spoolHighWater) }),
        wholeNumber(
            name: "spool_low_water", option: "--spool-low-water", placeholder: "PERCENT",
            summary: "percentage of the spool file system in use above which the spool files "
                + "of the longest burned patients are removed before their retention time, "
                + "until it is below again; must be below spool_high_water, and when not set "
                + "it is 10 below spool_high_water",
            range: Configuration.spoolLowWaterRange, reloads: true, \.spoolLowWater),
        wholeNumber(
            name: "retention_days", option: "--retention-days", placeholder: "DAYS",
            summary: "days a burned and verified patient keeps its received files in the "
                + "spool; the job stays listed after they are removed, and 0 removes them at "
                + "the next retention pass",
            range: Configuration.retentionDaysRange, reloads: true, \.retentionDays),
        wholeNumber(
            name: "retention_interval", option: "--retention-interval", placeholder: "SECONDS",
            summary: "seconds between two retention passes, which remove the spool files "
                + "that retention_days and spool_low_water select",
            range: Configuration.retentionIntervalRange, reloads: true, \.retentionInterval),
        wholeNumber(
            name: "completion_timeout", option: "--completion-timeout", placeholder: "SECONDS",
            summary: "seconds without a new instance after which a patient is finished and "
                + "queued for burning",
            range: Configuration.completionTimeoutRange, reloads: true, \.completionTimeout),
        ConfigurationKey(
            name: "virtual_media", option: "--virtual-media", aliases: [],
            placeholder: "TYPE",
            summary: "media type of the virtual drive's discs, which chooses their "
                + "application profile and default capacity",
            allowed: Configuration.virtualMediaTypes.map { $0.rawValue.lowercased() }
                .joined(separator: ", "),
            inEffect: true,
            apply: { text, configuration in
                configuration.virtualMedia = try parseVirtualMedia(text)
            },
            format: { $0.virtualMedia.rawValue.lowercased() }),
        wholeNumber(
            name: "virtual_disc_capacity", option: "--virtual-disc-capacity",
            placeholder: "MIB",
            summary: "capacity of each virtual disc, in MiB; when no file or option sets it, it "
                + "follows virtual_media: 700 for CD, 4482 for DVD and 23866 for BD media",
            range: Configuration.virtualDiscCapacityRange, \.virtualDiscCapacityMiB),
        wholeNumber(
            name: "virtual_drives", option: "--virtual-drives", placeholder: "N",
            summary: "virtual drives that burn side by side, one patient's disc set per drive; "
                + "their image files go to discs/virtual0, discs/virtual1, ...",
            range: Configuration.virtualDrivesRange, \.virtualDrives),
        oneOf(
            name: "drives", option: "--drives", placeholder: "KIND",
            summary: "the drives jobs run on: virtual (ISO image files under the data "
                + "directory) or optical (the drives udev reports; needs changer = manual)",
            \.drives),
        oneOf(
            name: "changer", option: "--changer", placeholder: "KIND",
            summary: "what loads the drives: simulated, a changer with bins that the "
                + "simulated supply fills; manual, an operator who loads each disc when "
                + "the front panel requests it and takes out each ejected one; or scsi, a "
                + "SCSI medium changer (see the scsi_changer_ keys)",
            \.changer),
        ConfigurationKey(
            name: "media_profile", option: "--media-profile", aliases: [],
            placeholder: "PROFILE",
            summary: "application profile of the discs; auto takes STD-GEN-CD on CD media, "
                + "STD-GEN-DVD-JPEG on DVD and STD-GEN-BD-JPEG on BD media, which keep JPEG "
                + "Lossless images compressed, and STD-GEN-CD writes every disc uncompressed "
                + "in Explicit VR Little Endian for the most widely read discs",
            allowed: "auto or STD-GEN-CD", inEffect: true,
            apply: { text, configuration in
                configuration.mediaProfile = try parseProfileSelection(text)
            },
            format: { configuration in
                switch configuration.mediaProfile {
                case .automatic: "auto"
                case .fixed(let profile): profile.rawValue
                }
            }),
        onOff(
            name: "blank_rewritable", option: "--blank-rewritable",
            summary: "erase a rewritable disc (CD-RW, DVD-RW, DVD+RW, BD-RE) that contains "
                + "data before writing it; off rejects such a disc",
            inEffect: true, reloads: true, \.blankRewritable),
        ConfigurationKey(
            name: "simulated_supply", option: "--simulated-supply", aliases: [],
            placeholder: "LIST",
            summary: "discs at the top of the simulated changer's input bin, separated by "
                + "commas and taken in order, followed by as many good blanks as needed; "
                + "the bad ones test the reject bin, and rewritable-written is a disc of the "
                + "rewritable kind of virtual_media (CD-RW for cd-r) that contains data",
            allowed: "1 to \(Configuration.simulatedSupplyCountRange.upperBound) of "
                + VirtualMedium.allCases.map(\.rawValue).joined(separator: ", ")
                + ", separated by commas",
            inEffect: true,
            apply: { text, configuration in
                configuration.simulatedSupply = try parseSupply(text)
            },
            format: { $0.simulatedSupply.map(\.rawValue).joined(separator: ",") }),
        wholeNumber(
            name: "max_consecutive_rejects", option: "--max-consecutive-rejects",
            placeholder: "N",
            summary: "maximum number of discs rejected in a row (not blank, or a failed "
                + "write or read-back) that a job goes on after; one more stops the job with an "
                + "error instead of emptying the input bin",
            range: Configuration.maxConsecutiveRejectsRange, reloads: true,
            \.maxConsecutiveRejects),
        ConfigurationKey(
            name: "label_institution", option: "--label-institution", aliases: [],
            placeholder: "TEXT",
            summary: "institution printed on every disc label; empty prints the Institution "
                + "Name of the disc's instances",
            allowed: "empty, or up to \(Configuration.labelInstitutionMaxLength) characters "
                + "without control characters and without \" #\"",
            inEffect: true, reloads: true,
            apply: { text, configuration in
                configuration.labelInstitution = try parseLabelText(text)
            },
            format: { $0.labelInstitution }),
        ConfigurationKey(
            name: "consistency_flag", option: "--consistency-flag", aliases: [],
            placeholder: "HEX",
            summary: "File-set Consistency Flag of each DICOMDIR, in hex; FFFF tells "
                + "readers that inconsistencies may be present",
            allowed: "0000 or FFFF", inEffect: true,
            apply: { text, configuration in
                configuration.consistencyFlag = try parseConsistencyFlag(text)
            },
            format: { $0.consistencyFlag == .noKnownInconsistencies ? "0000" : "FFFF" }),
        ConfigurationKey(
            name: "log_level", option: "--log-level", aliases: [], placeholder: "LEVEL",
            summary: "most verbose level that is logged",
            allowed: "error, warning, notice, info or debug", inEffect: true, reloads: true,
            apply: { text, configuration in
                guard let level = LogLevel.named(text.lowercased()) else {
                    throw InvalidValue()
                }
                configuration.logLevel = level
            },
            format: { $0.logLevel.description }),
        viewerFolder,
        viewerAutorun,
        panel,
        panelBoard,
        panelFallback,
        burnSpeed,
        scsiChangerDevice,
        scsiChangerInput,
        scsiChangerOutput,
        scsiChangerReject,
        scsiChangerDrives,
        engineersGroup,
    ]

    /// Makes a key whose value is one of the raw values of `Choice`, in any letter case.
    static func oneOf<Choice: RawRepresentable & CaseIterable & Sendable>(
        name: String, option: String, placeholder: String, summary: String,
        _ property: WritableKeyPath<Configuration, Choice> & Sendable
    ) -> ConfigurationKey where Choice.RawValue == String {
        ConfigurationKey(
            name: name, option: option, aliases: [], placeholder: placeholder,
            summary: summary,
            allowed: Choice.allCases.map(\.rawValue).joined(separator: " or "), inEffect: true,
            apply: { text, configuration in
                guard let choice = Choice(rawValue: text.lowercased()) else {
                    throw InvalidValue()
                }
                configuration[keyPath: property] = choice
            },
            format: { $0[keyPath: property].rawValue })
    }

    /// Makes a key whose value is a whole number in `range`.
    private static func wholeNumber(
        name: String, option: String, placeholder: String, summary: String,
        range: ClosedRange<Int>, reloads: Bool = false,
        _ property: WritableKeyPath<Configuration, Int> & Sendable
    ) -> ConfigurationKey {
        ConfigurationKey(
            name: name, option: option, aliases: [], placeholder: placeholder,
            summary: summary, allowed: wholeNumberText(range), inEffect: true, reloads: reloads,
            apply: { text, configuration in
                configuration[keyPath: property] = try parseWholeNumber(text, in: range)
            },
            format: { String($0[keyPath: property]) })
    }

    /// Makes a key whose value is on or off.
    private static func onOff(
        name: String, option: String, summary: String, inEffect: Bool, reloads: Bool = false,
        _ property: WritableKeyPath<Configuration, Bool> & Sendable
    ) -> ConfigurationKey {
        ConfigurationKey(
            name: name, option: option, aliases: [], placeholder: "on|off", summary: summary,
            allowed: "on or off (also yes or no, true or false)", inEffect: inEffect,
            reloads: reloads,
            apply: { text, configuration in
                configuration[keyPath: property] = try parseOnOff(text)
            },
            format: { $0[keyPath: property] ? "on" : "off" })
    }

    private static func wholeNumberText(_ range: ClosedRange<Int>) -> String {
        "a whole number from \(range.lowerBound) to \(range.upperBound)"
    }
}

// MARK: - Value parsers

/// Parses decimal digits only, so that "+5", "5.0" and "0x10" are rejected.
private func parseWholeNumber(_ text: String, in range: ClosedRange<Int>) throws -> Int {
    let digitsOnly = !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    guard digitsOnly, let number = Int(text), range.contains(number) else {
        throw InvalidValue()
    }
    return number
}

private func parseOnOff(_ text: String) throws -> Bool {
    switch text.lowercased() {
    case "on", "yes", "true": return true
    case "off", "no", "false": return false
    default: throw InvalidValue()
    }
}

/// Checks a text printed on disc labels. A space before `#` starts a comment in the
/// configuration file, so such a value could not be read back from `--print-config`.
private func parseLabelText(_ text: String) throws -> String {
    guard text.count <= Configuration.labelInstitutionMaxLength else {
        throw InvalidValue(reason: "the text is \(text.count) characters long")
    }
    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
        throw InvalidValue(reason: "the text contains a control character")
    }
    guard !text.contains(" #") else {
        throw InvalidValue(reason: "the text contains \" #\", which starts a comment")
    }
    return text
}

private func parseFolderPath(_ text: String) throws -> String {
    guard !text.isEmpty else {
        throw InvalidValue(reason: "the path is empty")
    }
    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
        throw InvalidValue(reason: "the path contains a control character")
    }
    return text
}

/// Splits the comma-separated list and checks each title as the AE value
/// representation requires. Spaces around a title are not significant and are removed.
private func parseAETitles(_ text: String) throws -> [String] {
    let titles = text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
    }
    let count = Configuration.aeTitleCountRange
    guard count.contains(titles.count) else {
        throw InvalidValue(reason: "\(titles.count) titles are given")
    }

    var seen: Set<String> = []
    for (index, title) in titles.enumerated() {
        let position = titles.count > 1 ? "title \(index + 1) " : "the title "
        guard !title.isEmpty else {
            throw InvalidValue(reason: position + "is empty or all spaces")
        }
        guard title.utf8.count <= 16 else {
            throw InvalidValue(
                reason: position + "\"\(title)\" is \(title.utf8.count) "
                    + "characters long")
        }
        let printable = title.utf8.allSatisfy {
            $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\")
        }
        guard printable else {
            throw InvalidValue(
                reason: position + "contains a backslash, a control character "
                    + "or a character outside ASCII")
        }
        guard seen.insert(title).inserted else {
            throw InvalidValue(reason: "\"\(title)\" is listed twice")
        }
    }
    return titles
}

private func parseNumericAddress(_ text: String) throws -> String {
    var ipv4 = in_addr()
    var ipv6 = in6_addr()
    guard inet_pton(AF_INET, text, &ipv4) == 1 || inet_pton(AF_INET6, text, &ipv6) == 1 else {
        throw InvalidValue()
    }
    return text
}

private func parseTranscodeTarget(_ text: String) throws -> TransferSyntax? {
    if text.lowercased() == "none" { return nil }
    switch TransferSyntax(rawValue: text) {
    case .explicitVRLittleEndian: return .explicitVRLittleEndian
    case .implicitVRLittleEndian: return .implicitVRLittleEndian
    case .jpegLossless, .rleLossless:
        throw InvalidValue(reason: "compressed transfer syntaxes are not written")
    case nil:
        throw InvalidValue()
    }
}

/// Splits the comma-separated list of media. Spaces around an entry are not significant.
private func parseSupply(_ text: String) throws -> [VirtualMedium] {
    let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
    }
    guard Configuration.simulatedSupplyCountRange.contains(names.count) else {
        throw InvalidValue(reason: "\(names.count) discs are given")
    }
    return try names.enumerated().map { index, name in
        guard let medium = VirtualMedium(rawValue: name) else {
            throw InvalidValue(reason: "entry \(index + 1) \"\(name)\" is not a known medium")
        }
        return medium
    }
}

private func parseVirtualMedia(_ text: String) throws -> MediaProfile {
    let name = text.lowercased()
    guard let media = Configuration.virtualMediaTypes.first(where: {
        $0.rawValue.lowercased() == name
    }) else {
        throw InvalidValue()
    }
    return media
}

private func parseProfileSelection(_ text: String) throws -> ProfileSelection {
    switch text.uppercased() {
    case "AUTO": return .automatic
    case ApplicationProfile.generalPurposeCD.rawValue: return .fixed(.generalPurposeCD)
    case ApplicationProfile.generalPurposeDVDJPEG.rawValue,
        ApplicationProfile.generalPurposeBDJPEG.rawValue:
        throw InvalidValue(
            reason: "\(text.uppercased()) is chosen by auto on its own media and cannot be "
                + "forced on others")
    default: throw InvalidValue()
    }
}

private func parseConsistencyFlag(_ text: String) throws -> FileSetConsistencyFlag {
    switch text.uppercased() {
    case "0000": return .noKnownInconsistencies
    case "FFFF": return .inconsistenciesMayBePresent
    default: throw InvalidValue()
    }
}

extension LogLevel {
    /// The level with the name `name`, as `--log-level` takes it.
    public static func named(_ name: String) -> LogLevel? {
        [LogLevel.error, .warning, .notice, .info, .debug].first { $0.description == name }
    }
}
