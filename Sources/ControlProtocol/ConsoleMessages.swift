import Foundation

/// A recorded state change of a job, as the console shows it.
public struct TransitionSummary: Codable, Sendable, Equatable {
    /// The state before, or nil for the first record of a collection.
    public var from: String?
    public var to: String
    public var reason: String
    /// When the state changed, in ISO 8601.
    public var at: String

    public init(from: String?, to: String, reason: String, at: String) {
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}

/// A drive, its medium and what it does now.
public struct DriveSummary: Codable, Sendable, Equatable {
    public var name: String
    /// The loaded medium's type, such as `CD-R`, or nil when the drive was not inspected.
    public var media: String?
    /// `empty`, `blank`, `written` or `unsuitable` as the drive reports it. `in-use` while
    /// a job runs on the drive, which is then not inspected so that its write is not
    /// disturbed. `unknown` when the inspection failed.
    public var status: String
    /// The medium's capacity in bytes, when known.
    public var capacityBytes: Int64?
    /// The job that runs on the drive, or nil when the drive is idle.
    public var job: Int64?
    /// The inspection's error message when `status` is `unknown`.
    public var error: String?

    public init(
        name: String, media: String?, status: String, capacityBytes: Int64? = nil,
        job: Int64? = nil, error: String? = nil
    ) {
        self.name = name
        self.media = media
        self.status = status
        self.capacityBytes = capacityBytes
        self.job = job
        self.error = error
    }
}

/// The changer that loads the drives.
public struct ChangerSummary: Codable, Sendable, Equatable {
    public var name: String
    /// `simulated`, `manual`, or `changer` for another kind.
    public var kind: String
    /// For the simulated changer: the discs in each bin (`input`, `output`, `reject`),
    /// oldest first. The input bin lists only the media of the supply list that are still
    /// to come; good blanks follow them. Nil for a changer that cannot list its bins.
    public var bins: [String: [String]]?

    public init(name: String, kind: String, bins: [String: [String]]?) {
        self.name = name
        self.kind = kind
        self.bins = bins
    }
}

/// The appliance's state for `mediacenterctl status`.
public struct StatusReport: Codable, Sendable, Equatable {
    public var version: String
    /// The DICOM listener as ADDRESS:PORT.
    public var listener: String
    /// The called AE titles the listener accepts.
    public var aeTitles: [String]
    /// Seconds since the daemon started.
    public var uptimeSeconds: Int
    /// When the daemon started, in ISO 8601.
    public var startedAt: String
    public var drives: [DriveSummary]
    public var changer: ChangerSummary?
    public var panel: PanelSummary?
    /// Jobs per state, with every state listed (0 included).
    public var queue: [String: Int]
    public var dataDirectory: String
    /// Bytes free for the daemon's user on the data directory's file system.
    public var freeBytes: Int64
    /// Size of the data directory's file system in bytes.
    public var totalBytes: Int64
    /// Percentage of the data directory's file system in use.
    public var usedPercent: Int
    /// The spool high-water mark in percent: above it a C-STORE gets status A700.
    public var spoolHighWaterPercent: Int
    /// Bytes free for the daemon's user on the spool's file system.
    public var spoolAvailableBytes: Int64?
    /// Bytes of spool files of burned jobs, which retention may remove.
    public var spoolReclaimableBytes: Int64?
    /// Recorded instances whose spool file was missing at start.
    public var missingSpoolFiles: Int?

    public init(
        version: String, listener: String, aeTitles: [String], uptimeSeconds: Int,
        startedAt: String, drives: [DriveSummary], changer: ChangerSummary?,
        panel: PanelSummary?, queue: [String: Int], dataDirectory: String, freeBytes: Int64,
        totalBytes: Int64, usedPercent: Int, spoolHighWaterPercent: Int
    ) {
        self.version = version
        self.listener = listener
        self.aeTitles = aeTitles
        self.uptimeSeconds = uptimeSeconds
        self.startedAt = startedAt
        self.drives = drives
        self.changer = changer
        self.panel = panel
        self.queue = queue
        self.dataDirectory = dataDirectory
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
        self.usedPercent = usedPercent
        self.spoolHighWaterPercent = spoolHighWaterPercent
    }
}

/// One configuration key as the daemon runs with it.
public struct ConfigurationEntry: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
    /// `default`, `file` or `option`.
    public var source: String
    /// The file and line (`FILE:LINE`) or the option, as typed, that set the value, or nil
    /// for a default.
    public var origin: String?

    public init(key: String, value: String, source: String, origin: String?) {
        self.key = key
        self.value = value
        self.source = source
        self.origin = origin
    }
}

/// The daemon's effective configuration.
public struct ConfigurationReport: Codable, Sendable, Equatable {
    /// The configuration file the daemon read, or nil when it read none.
    public var file: String?
    /// The file that `config set` edits.
    public var editableFile: String
    public var entries: [ConfigurationEntry]

    public init(file: String?, editableFile: String, entries: [ConfigurationEntry]) {
        self.file = file
        self.editableFile = editableFile
        self.entries = entries
    }
}

/// A recent event for `mediacenterctl log`.
public struct EventSummary: Codable, Sendable, Equatable {
    /// When it happened, in ISO 8601.
    public var at: String
    /// `transition`, `reject`, `warning` or `error`.
    public var kind: String
    /// The job the event belongs to, if any.
    public var job: Int64?
    public var text: String

    public init(at: String, kind: String, job: Int64?, text: String) {
        self.at = at
        self.kind = kind
        self.job = job
        self.text = text
    }
}

/// One step of `mediacenterctl selftest`.
public struct SelftestStep: Codable, Sendable, Equatable {
    /// The checked part, such as `led ready` or `drive virtual0`.
    public var name: String
    /// `pass`, `fail` or `skip`.
    public var result: String
    public var detail: String

    public init(name: String, result: String, detail: String) {
        self.name = name
        self.result = result
        self.detail = detail
    }
}
