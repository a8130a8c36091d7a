import DicomNetwork
import DiscBurner
import FileSetBuilder
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import ScsiChanger

/// Every setting of mediacenterd, each with its built-in default.
///
/// The settings come from the defaults, then the configuration file, then the command-line
/// options (`DaemonOptions.loadConfiguration`). `ConfigurationKey.all` names each setting,
/// checks its values and formats it, for the file, the options, `--help` and
/// `--print-config` alike.
public struct Configuration: Sendable, Equatable {
    /// Folder for the database, the spool, the disc images and the control socket.
    public var dataDirectory = "/var/lib/mediacenter"
    /// Called AE titles the Storage SCP accepts, without leading or trailing spaces. The
    /// first one is also written as Source AE Title into the files on each disc.
    public var aeTitles = ["CDP_PRINTER"]
    /// TCP port of the DICOM listener.
    public var port = 104
    /// Numeric IPv4 or IPv6 address of the DICOM listener; 0.0.0.0 is every IPv4 interface.
    public var bindAddress = "0.0.0.0"
    /// Associations served at once.
    public var maxAssociations = 5
    /// Largest PDU the Storage SCP receives, in bytes.
    public var maxPDUSize = 16384
    /// Seconds to wait for the A-ASSOCIATE-RQ after a connection opens (ARTIM timer).
    public var associationTimeout = 10
    /// Seconds to wait for each DIMSE message or data PDU.
    public var dimseTimeout = 30
    /// Whether only peers on the access list may connect; false is open mode for a lab.
    public var accessControl = true
    /// Whether the Storage SCP also accepts the extended set of storage SOP classes.
    public var extendedSOPClasses = false
    /// Transfer syntax that received instances are converted to; nil keeps them as received.
    /// Only Explicit and Implicit VR Little Endian are allowed.
    public var transcodeTo: TransferSyntax? = nil
    /// Percentage of the spool file system in use above which a C-STORE gets status A700.
    public var spoolHighWater = 90
    /// Percentage of the spool file system in use above which retention removes the spool
    /// files of done collections before their time, the longest finished first: the value
    /// set, or else 10 below `spoolHighWater`.
    public var spoolLowWater: Int {
        get { spoolLowWaterSetting ?? max(spoolHighWater - 10, 0) }
        set { spoolLowWaterSetting = newValue }
    }
    /// The low-water mark set in the file or on the command line, or nil to follow
    /// `spoolHighWater`.
    public var spoolLowWaterSetting: Int? = nil
    /// Days a done collection keeps its spool files.
    public var retentionDays = 7
    /// Seconds between two retention passes.
    public var retentionInterval = 300
    /// Seconds without a new instance after which a patient counts as finished.
    public var completionTimeout = 60
    /// Capacity of each virtual disc, in MiB: the value set, or else the default of
    /// `virtualMedia` (700 for CD media).
    public var virtualDiscCapacityMiB: Int {
        get {
            virtualDiscCapacitySetting
                ?? VirtualDrive.defaultCapacityMiB(for: virtualMedia)
        }
        set { virtualDiscCapacitySetting = newValue }
    }
    /// The capacity set in the file or on the command line, or nil for the medium's default.
    public var virtualDiscCapacitySetting: Int? = nil
    /// The media type of the virtual drive's discs.
    public var virtualMedia = MediaProfile.cdr
    /// The rule that chooses the application profile of each disc set: the first blank's
    /// media type decides, or STD-GEN-CD on every medium.
    public var mediaProfile = ProfileSelection.automatic
    /// Whether a rewritable disc that contains data is erased before it is written, rather
    /// than rejected.
    public var blankRewritable = false
    /// The virtual drives of the embedded default, which share one changer.
    public var virtualDrives = 2
    /// The kind of changer that loads the drives.
    public var changer = ChangerKind.simulated
    /// The write speed of optical drives.
    public var burnSpeed = BurnSpeed.maximum
    /// The bins and drives of a SCSI medium changer, for `changer = scsi`.
    public var scsiChanger = ScsiChangerSettings()
    /// The drives that jobs run on.
    public var drives = DriveKind.virtual
    /// The discs at the top of the simulated changer's input bin, in the order they are
    /// taken; good blanks follow them.
    public var simulatedSupply: [VirtualMedium] = [.blank]
    /// The maximum number of discs rejected in a row that a job goes on after.
    public var maxConsecutiveRejects = 3
    /// The institution printed on every disc label; empty prints the Institution Name
    /// (0008,0080) of the disc's instances.
    public var labelInstitution = ""
    /// The maximum length of `labelInstitution` in characters, that of a DICOM LO value.
    public static let labelInstitutionMaxLength = 64
    /// File-set Consistency Flag (0004,1212) of every DICOMDIR the daemon writes.
    public var consistencyFlag = FileSetConsistencyFlag.noKnownInconsistencies
    /// The most verbose level that is logged.
    public var logLevel = LogLevel.info
    /// Folder of a viewer program copied to `VIEWER` on every disc; empty for no viewer.
    public var viewerFolder = ""
    /// The viewer's program that `AUTORUN.INF` starts, relative to `viewerFolder` with `/`
    /// between names; empty for no `AUTORUN.INF`.
    public var viewerAutorun = ""
    /// The front panel's backend.
    public var panel = PanelBackend.simulated
    /// The board file that maps the panel's LEDs and buttons to GPIO lines; empty for none.
    public var panelBoard = ""
    /// The daemon's reaction when the GPIO panel cannot be opened.
    public var panelFallback = PanelFallback.simulated
    /// The group whose members may change the configuration and the access list from the
    /// console; root and the daemon's own user always may.
    public var engineersGroup = "mediacenter-engineers"

    /// Makes the built-in defaults.
    public init() {}

    /// The file read at start when `--config` is not given; its absence is fine.
    public static let defaultFilePath = "/etc/mediacenter/mediacenter.conf"

    /// The valid range of `port`. Port 0 (any free port) is left out because the peers
    /// must know the port.
    public static let portRange = 1...65535
    /// The valid range of `spoolHighWater`, in percent.
    public static let spoolHighWaterRange = 1...99
    /// The valid range of `spoolLowWater`, in percent; it must also be below
    /// `spoolHighWater`.
    public static let spoolLowWaterRange = 0...98
    /// The valid range of `retentionDays`.
    public static let retentionDaysRange = 0...3650
    /// The valid range of `retentionInterval`, in seconds.
    public static let retentionIntervalRange = 1...86400
    /// The valid range of `completionTimeout`, in seconds.
    public static let completionTimeoutRange = 1...86400
    /// The valid range of `virtualDiscCapacityMiB`.
    public static let virtualDiscCapacityRange = 1...1_000_000
    /// The valid range of `virtualDrives`.
    public static let virtualDrivesRange = 1...8
    /// The valid range of `maxConsecutiveRejects`.
    public static let maxConsecutiveRejectsRange = JobEngineConfiguration
        .maxConsecutiveRejectsRange
    /// The media types `virtualMedia` takes: every type but `unknown`.
    public static let virtualMediaTypes: [MediaProfile] = [
        .cdr, .cdrw, .dvdr, .dvdPlusR, .dvdrw, .dvdPlusRW, .bdr, .bdre,
    ]
    /// The valid number of entries in `simulatedSupply`.
    public static let simulatedSupplyCountRange = 1...1000
    /// The valid number of entries in `aeTitles`.
    public static let aeTitleCountRange = 1...16

    /// The Storage SCP's settings.
    public var storageSCP: StorageSCPConfiguration {
        StorageSCPConfiguration(
            aeTitles: aeTitles, bindAddress: bindAddress, port: port,
            maxAssociations: maxAssociations, maxPDUSize: maxPDUSize,
            associationTimeout: associationTimeout, dimseTimeout: dimseTimeout,
            acceptsExtendedSOPClasses: extendedSOPClasses)
    }

    /// Applies `settings` in order, so a later one overrides an earlier one of the same key.
    /// - Throws: `ConfigurationError` listing every invalid value with its key, its source,
    ///   and what is allowed.
    public mutating func apply(_ settings: [ConfigurationSetting]) throws {
        var problems: [String] = []
        for setting in settings {
            do {
                try setting.key.apply(setting.value, &self)
            } catch let error as InvalidValue {
                problems.append(setting.describeInvalid(error))
            }
        }
        if !problems.isEmpty {
            throw ConfigurationError(problems: problems)
        }
    }

    /// Checks the rules between keys, which `apply` cannot check one key at a time.
    /// - Throws: `ConfigurationError` naming both keys and their values.
    public func checkKeysAgree() throws {
        guard spoolLowWater < spoolHighWater else {
            throw ConfigurationError(problems: [
                "spool_low_water \(spoolLowWater) must be below spool_high_water "
                    + "\(spoolHighWater); lower spool_low_water or raise spool_high_water"
            ])
        }
    }
}

/// One `key = value` setting and where it came from.
public struct ConfigurationSetting: Sendable, Equatable {
    /// The origin of a setting, named in error messages.
    public enum Source: Sendable, Equatable {
        /// A line of a configuration file, counted from 1.
        case file(path: String, line: Int)
        /// A command-line option, as it was typed (an alias such as `--ae-title` included).
        case option(String)
    }

    public var key: ConfigurationKey
    /// The value as written, with the spaces around it removed.
    public var value: String
    public var source: Source

    /// Makes a setting.
    public init(key: ConfigurationKey, value: String, source: Source) {
        self.key = key
        self.value = value
        self.source = source
    }

    /// Formats the message for an invalid value, such as
    /// `mediacenter.conf:3: key "port" = "0": expected a whole number from 1 to 65535`.
    func describeInvalid(_ error: InvalidValue) -> String {
        let reason = error.reason.map { "\($0); " } ?? ""
        let quoted = String(reflecting: value)
        switch source {
        case .file(let path, let line):
            return "\(path):\(line): key \"\(key.name)\" = \(quoted): \(reason)"
                + "expected \(key.allowed)"
        case .option(let option):
            return "option \(option) \(quoted) (key \(key.name)): \(reason)"
                + "expected \(key.allowed)"
        }
    }
}

/// Every problem found in a configuration file or on the command line, one message each.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// Messages that each name the file and line or the option, and the fix.
    public var problems: [String]

    /// Makes an error from one or more messages.
    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}

/// A value that a key does not accept, with an optional reason beyond the allowed range.
struct InvalidValue: Error {
    var reason: String?
}

extension Configuration {
    /// Returns the configuration that `settings` make over the built-in defaults, after the
    /// checks of keys that depend on each other, as the daemon makes it at start.
    /// - Throws: `ConfigurationError` with every problem found.
    public static func validated(_ settings: [ConfigurationSetting]) throws -> Configuration {
        var configuration = Configuration()
        try configuration.apply(settings)
        try configuration.checkKeysTogether()
        return configuration
    }

    /// Runs every check of keys that depend on each other and reports all problems at once.
    /// - Throws: `ConfigurationError` with every problem found.
    public func checkKeysTogether() throws {
        var problems: [String] = []
        for check in [checkKeysAgree, checkCombinations] {
            do {
                try check()
            } catch let error as ConfigurationError {
                problems += error.problems
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
    }

    /// Checks the values that only fit some values of other keys.
    /// - Throws: `ConfigurationError` naming both keys and the fix.
    public func checkCombinations() throws {
        var problems: [String] = []
        if drives == .optical && changer == .simulated {
            problems.append(
                "changer = simulated works only with drives = virtual, because the simulated "
                    + "changer loads image files; with drives = optical set changer = manual "
                    + "or scsi")
        }
        if changer == .scsi {
            if drives != .optical {
                problems.append(
                    "changer = scsi works only with drives = optical; set drives = optical")
            }
            for (key, isEmpty) in [
                ("scsi_changer_input", scsiChanger.input.isEmpty),
                ("scsi_changer_output", scsiChanger.output.isEmpty),
                ("scsi_changer_reject", scsiChanger.reject.isEmpty),
                ("scsi_changer_drives", scsiChanger.drives.isEmpty),
            ] where isEmpty {
                problems.append(
                    "changer = scsi needs \(key); set it to the changer's elements (its manual "
                        + "or mtx status lists the element addresses)")
            }
        }
        if changer == .scsi && problems.isEmpty {
            do {
                try ScsiChangerConfiguration(
                    name: "changer0", input: scsiChanger.input, output: scsiChanger.output,
                    reject: scsiChanger.reject, drives: scsiChanger.drives
                ).validate()
            } catch let error as MediaCenterError {
                problems.append(error.message)
            }
        }
        if panel == .gpio && panelBoard.isEmpty {
            problems.append(
                "panel = gpio needs panel_board; set it to a board file such as a copy of "
                    + "board/generic.conf, or set panel = simulated")
        }
        if !problems.isEmpty {
            throw ConfigurationError(problems: problems)
        }
    }
}

/// The kinds of changer that load discs into the drives.
public enum ChangerKind: String, Sendable, CaseIterable {
    /// A changer with no hardware, whose input bin the simulated supply fills.
    case simulated
    /// An operator who loads each disc by hand.
    case manual
    /// A SCSI medium changer (a disc robot) reached through its SCSI generic node.
    case scsi
}

/// The drives that jobs run on.
public enum DriveKind: String, Sendable, CaseIterable {
    /// Drives with no hardware, whose discs are ISO image files under the data directory.
    case virtual
    /// The optical drives that udev reports, written through libburn.
    case optical
}
