import Foundation
import MediaCenterCore

/// A request from `mediacenterctl` to the daemon: one JSON object per connection.
public struct ControlRequest: Codable, Sendable, Equatable {
    /// The command: `jobs`, `job`, `burn`, `retry`, `cancel`, `eject`, `drives`, `status`,
    /// `aet-list`, `aet-add`, `aet-remove`, `config-show`, `config-set`, `log`, `selftest`,
    /// `panel` or `press`.
    public var command: String
    /// For `aet-add` and `aet-remove`: the remote AE; `aet-remove` uses its title only.
    public var remoteAE: RemoteAE?
    /// For `retry`, `job` and `cancel`: the job it acts on.
    public var job: Int64?
    /// For `eject`: the drive to open, or nil for every idle drive.
    public var drive: String?
    /// For `config-set`: the configuration key.
    public var key: String?
    /// For `config-set`: the new value, as the configuration file takes it.
    public var value: String?
    /// For `log`: the maximum number of events to return.
    public var lines: Int?
    /// For `burn`: the Patient ID whose collections to finish.
    public var patientID: String?
    /// For `burn`: finish every receiving collection.
    public var all: Bool?
    /// For `press`: the front panel button, `burn`, `eject` or `cancel`.
    public var button: String?
    /// For `press`: hold the button for a long press.
    public var long: Bool?

    public init(
        command: String, patientID: String? = nil, all: Bool? = nil, job: Int64? = nil,
        remoteAE: RemoteAE? = nil, button: String? = nil, long: Bool? = nil,
        drive: String? = nil, key: String? = nil, value: String? = nil, lines: Int? = nil
    ) {
        self.command = command
        self.drive = drive
        self.key = key
        self.value = value
        self.lines = lines
        self.button = button
        self.long = long
        self.remoteAE = remoteAE
        self.job = job
        self.patientID = patientID
        self.all = all
    }
}

/// A disc of a job, as the console shows it.
public struct DiscSummary: Codable, Sendable, Equatable {
    /// The disc image file of a virtual drive, or the device of a real one.
    public var path: String
    public var verified: Bool
    public var number: Int
    public var count: Int
    public var bytes: Int64
    public var md5: String
    /// The application profile of the disc's file-set, such as `STD-GEN-DVD-JPEG`. It is
    /// absent for discs written before the store recorded it.
    public var profile: String?

    public init(
        path: String, verified: Bool, number: Int, count: Int, bytes: Int64, md5: String,
        profile: String? = nil
    ) {
        self.path = path
        self.verified = verified
        self.number = number
        self.count = count
        self.bytes = bytes
        self.md5 = md5
        self.profile = profile
    }
}

/// A disc rejected during a job, as the console shows it.
public struct RejectSummary: Codable, Sendable, Equatable {
    /// The position in the disc set that the rejected disc was to take, from 1.
    public var number: Int
    /// The reason the disc was rejected: not blank, not writable, wrong media type, or a
    /// failed write or read-back.
    public var reason: String
    /// The disc image file of a virtual drive, or the device of a real one, when known.
    public var path: String?
    /// When the disc was rejected, in ISO 8601.
    public var at: String

    public init(number: Int, reason: String, path: String?, at: String) {
        self.number = number
        self.reason = reason
        self.path = path
        self.at = at
    }
}

/// A patient collection and its burn job, as the console shows it.
public struct JobSummary: Codable, Sendable, Equatable {
    public var id: Int64
    /// Patient's Name decoded to UTF-8.
    public var patientName: String
    public var patientID: String
    /// Whether the Patient ID was generated because the instances had none.
    public var patientIDGenerated: Bool
    /// One of `receiving`, `queued`, `burning`, `verifying`, `done`, `failed`.
    public var state: String
    /// Instances in the collection.
    public var instances: Int
    public var bytes: Int64
    public var discs: [DiscSummary]
    /// Discs rejected during the job, oldest first.
    public var rejects: [RejectSummary]
    /// The reason the job failed, or nil.
    public var error: String?
    public var createdAt: String
    public var updatedAt: String
    /// The state changes of the job, oldest first; only the `job` command fills it in.
    public var history: [TransitionSummary]?

    public init(
        id: Int64, patientName: String, patientID: String, patientIDGenerated: Bool,
        state: String, instances: Int, bytes: Int64, discs: [DiscSummary],
        rejects: [RejectSummary] = [], error: String?, createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.patientName = patientName
        self.patientID = patientID
        self.patientIDGenerated = patientIDGenerated
        self.state = state
        self.instances = instances
        self.bytes = bytes
        self.discs = discs
        self.rejects = rejects
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The daemon's reply: `ok` and a result, or an error message for the console.
public struct ControlResponse: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    public var jobs: [JobSummary]?
    /// For `burn`: the IDs of the collections that were queued.
    public var queued: [Int64]?
    /// For `status`: the product version and the DICOM listener.
    public var status: [String: String]?
    /// For the `aet-*` commands: the access list after the command.
    public var remoteAEs: [RemoteAE]?
    /// For the `aet-*` commands: whether the daemon applies the access list; false is the
    /// open mode, in which every calling AE title is accepted.
    public var accessControl: Bool?
    /// For `panel` and `press`: the front panel's LEDs and the state they show.
    public var panel: PanelSummary?
    /// For `press`, `cancel`, `eject` and `config-set`: what the command did.
    public var message: String?
    /// Whether the daemon rejected the request because the peer's user may not make it.
    public var refused: Bool?
    /// For `status`: the appliance's state.
    public var report: StatusReport?
    /// For `job`: the one job, with its state history.
    public var job: JobSummary?
    /// For `drives` and `eject`: each drive with its medium and activity.
    public var drives: [DriveSummary]?
    /// For `config-show`: every key with its value and source.
    public var configuration: ConfigurationReport?
    /// For `log`: recent events, oldest first.
    public var events: [EventSummary]?
    /// For `selftest`: each step and its result.
    public var selftest: [SelftestStep]?

    public init(
        ok: Bool, error: String? = nil, jobs: [JobSummary]? = nil, queued: [Int64]? = nil,
        status: [String: String]? = nil, remoteAEs: [RemoteAE]? = nil,
        accessControl: Bool? = nil, panel: PanelSummary? = nil, message: String? = nil
    ) {
        self.ok = ok
        self.panel = panel
        self.message = message
        self.remoteAEs = remoteAEs
        self.accessControl = accessControl
        self.error = error
        self.jobs = jobs
        self.queued = queued
        self.status = status
    }

    /// Makes a failed reply with `message`.
    public static func failure(_ message: String) -> ControlResponse {
        ControlResponse(ok: false, error: message)
    }

    /// Makes the reply to a request that the peer's user is not allowed to make.
    public static func refusal(_ message: String) -> ControlResponse {
        var response = ControlResponse(ok: false, error: message)
        response.refused = true
        return response
    }
}

/// The front panel as the console shows it.
public struct PanelSummary: Codable, Sendable, Equatable {
    /// Each LED by name (`ready`, `busy`, `error`, `media_needed`) with its state: `on`,
    /// `off` or `blinking`.
    public var leds: [String: String]
    /// The appliance's activity: `starting`, `no-drive`, `media-needed`, `burning`,
    /// `queued`, `receiving` or `idle`.
    public var activity: String
    /// Whether a job failed that a long press of cancel has not acknowledged yet.
    public var errorUnacknowledged: Bool
    /// The panel's hardware: `simulated` or `gpio`.
    public var backend: String

    public init(
        leds: [String: String], activity: String, errorUnacknowledged: Bool, backend: String
    ) {
        self.leds = leds
        self.activity = activity
        self.errorUnacknowledged = errorUnacknowledged
        self.backend = backend
    }
}

/// The file name of the control socket inside the data directory.
public let controlSocketName = "control.sock"
