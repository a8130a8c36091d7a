import ControlProtocol
import DiscBurner
import Foundation
import Glibc
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore

/// The daemon's parts that the field engineer's console reads beyond the store and the
/// job queue.
public struct ConsoleContext: Sendable {
    /// The configuration the daemon runs with, and where each value came from.
    public var loaded: LoadedConfiguration
    /// The drives attached now, in the order of the job queue's engines.
    public var drives: @Sendable () -> [any DiscDrive]
    /// The changer that loads the drives, or nil.
    public var changer: (any DiscChanger)?
    /// The spool folder, where `selftest` writes its test file.
    public var spoolDirectory: String
    public var startedAt: Date
    /// The group check for changes to the configuration and the access list.
    public var authorization: EngineerAuthorization

    /// Makes the context of a daemon that started at `startedAt`.
    public init(
        loaded: LoadedConfiguration, drives: @escaping @Sendable () -> [any DiscDrive],
        changer: (any DiscChanger)?,
        spoolDirectory: String, startedAt: Date = Date(),
        authorization: EngineerAuthorization
    ) {
        self.loaded = loaded
        self.drives = drives
        self.changer = changer
        self.spoolDirectory = spoolDirectory
        self.startedAt = startedAt
        self.authorization = authorization
    }
}

extension ControlServer {
    /// The commands that change settings, and what the refusal calls them.
    static let privilegedCommands = [
        "config-set": "config set", "aet-add": "aet add", "aet-remove": "aet remove",
    ]

    /// Returns the refusal of `request` when its peer may not make it, or nil.
    func refusal(of request: ControlRequest, peer: PeerCredentials?) -> ControlResponse? {
        guard let action = Self.privilegedCommands[request.command] else { return nil }
        guard let peer else {
            return .refusal(
                "\(action) is refused because the daemon cannot read who sent the request")
        }
        let authorization =
            console?.authorization
            ?? EngineerAuthorization(groupName: Configuration().engineersGroup)
        guard let message = authorization.refusal(for: peer, action: action) else {
            return nil
        }
        logger.warning(
            "console request rejected: \(action) by user ID \(peer.userID), who is not in "
                + "the group \(authorization.groupName)",
            ["peer.uid": String(peer.userID), "peer.pid": String(peer.processID)])
        return .refusal(message)
    }

    /// Carries out the commands of the field engineer's console.
    func respondToConsole(_ request: ControlRequest) throws -> ControlResponse {
        guard let console else {
            return .failure("this daemon does not serve '\(request.command)'")
        }
        switch request.command {
        case "status":
            var response = ControlResponse(ok: true, status: status())
            response.report = try statusReport(console)
            return response
        case "job":
            return try respondToJob(request)
        case "cancel":
            return try respondToCancel(request)
        case "drives":
            var response = ControlResponse(ok: true)
            response.drives = driveSummaries(console)
            return response
        case "eject":
            return respondToEject(request, console)
        case "config-show":
            var response = ControlResponse(ok: true)
            response.configuration = configurationReport(console.loaded)
            return response
        case "config-set":
            return respondToConfigSet(request, console.loaded)
        case "log":
            var response = ControlResponse(ok: true)
            response.events = try recentEvents(limit: request.lines ?? 20)
            return response
        case "selftest":
            var response = ControlResponse(ok: true)
            response.selftest = selftest(console)
            return response
        default:
            return .failure("unknown command '\(request.command)'; see mediacenterctl --help")
        }
    }

    // MARK: - Jobs

    private func respondToJob(_ request: ControlRequest) throws -> ControlResponse {
        guard let id = request.job else { return .failure("job needs a job number") }
        guard let record = try store.collection(id: id) else {
            return .failure("no job \(id); see mediacenterctl jobs")
        }
        var summary = JobSummary(record)
        let timestamps = ISO8601DateFormatter()
        summary.history = try store.transitions(ofCollection: id).map {
            TransitionSummary(
                from: $0.from?.rawValue, to: $0.to.rawValue, reason: $0.reason,
                at: timestamps.string(from: $0.at))
        }
        var response = ControlResponse(ok: true)
        response.job = summary
        return response
    }

    private func respondToCancel(_ request: ControlRequest) throws -> ControlResponse {
        guard let id = request.job else { return .failure("cancel needs a job number") }
        let message: String
        switch try engine.cancel(job: id) {
        case .cancelledWhileQueued:
            message =
                "Job \(id) was queued and is cancelled; mediacenterctl retry \(id) "
                + "queues it again."
        case .stopping(let drive):
            message =
                "Job \(id) stops on \(drive) before its next disc or write; discs "
                + "verified so far are kept. mediacenterctl job \(id) shows when it has "
                + "stopped."
        case .notCancellable(let state):
            return .failure(
                "job \(id) is \(state.rawValue), so there is nothing to cancel; only queued, "
                    + "burning and verifying jobs can be cancelled")
        case .notFound:
            return .failure("no job \(id); see mediacenterctl jobs")
        }
        logger.notice("cancel from the console: \(message)", ["job.id": String(id)])
        return ControlResponse(ok: true, message: message)
    }

    // MARK: - Drives

    /// Inspects each idle drive; a drive with a job is reported as in use, not inspected.
    func driveSummaries(_ console: ConsoleContext) -> [DriveSummary] {
        console.drives().map { drive in
            guard let engine = engine.engines.first(where: { $0.driveName == drive.name }) else {
                return inspect(drive)
            }
            if let job = engine.currentJob {
                return DriveSummary(name: drive.name, media: nil, status: "in-use", job: job)
            }
            return engine.whileIdle { inspect(drive) }
                ?? DriveSummary(
                    name: drive.name, media: nil, status: "in-use", job: engine.currentJob)
        }
    }

    private func inspect(_ drive: any DiscDrive) -> DriveSummary {
        do {
            let media = try drive.inspectMedia()
            return DriveSummary(
                name: drive.name, media: media.status == .empty ? nil : media.profile.rawValue,
                status: media.status.rawValue,
                capacityBytes: media.status == .empty ? nil : media.capacityBytes)
        } catch {
            return DriveSummary(
                name: drive.name, media: nil, status: "unknown", error: String(describing: error))
        }
    }

    private func respondToEject(_ request: ControlRequest, _ console: ConsoleContext)
        -> ControlResponse
    {
        let names = console.drives().map(\.name)
        guard !names.isEmpty else {
            return .failure(
                "there is no drive to eject; mediacenterctl drives lists the drives the daemon "
                    + "has found")
        }
        if let name = request.drive, !names.contains(name) {
            return .failure(
                "no drive named '\(name)'; the drives are \(names.joined(separator: ", "))")
        }
        let chosen = console.drives().filter { request.drive == nil || $0.name == request.drive }

        var ejected: [String] = []
        var busy: [String] = []
        for drive in chosen {
            let engine = engine.engines.first { $0.driveName == drive.name }
            do {
                let done: Void? =
                    if let engine { try engine.whileIdle { try drive.eject() } } else {
                        try drive.eject()
                    }
                if done == nil {
                    let job = engine?.currentJob.map { " with job \($0)" } ?? ""
                    busy.append("\(drive.name) (busy\(job))")
                } else {
                    ejected.append(drive.name)
                }
            } catch {
                logger.error("eject from the console failed: \(error)", ["drive.name": drive.name])
                return .failure("the eject of \(drive.name) failed: \(error)")
            }
        }
        guard !ejected.isEmpty else {
            return .failure(
                "not ejected: \(busy.joined(separator: ", ")); only an idle drive is "
                    + "ejected, so wait until its job is done or cancel it "
                    + "(mediacenterctl cancel JOB)")
        }
        var message = "Ejected \(ejected.joined(separator: ", "))."
        if !busy.isEmpty { message += " Not ejected: \(busy.joined(separator: ", "))." }
        logger.notice("eject from the console: \(message)")
        var response = ControlResponse(ok: true, message: message)
        response.drives = driveSummaries(console)
        return response
    }

    // MARK: - Status

    private func statusReport(_ console: ConsoleContext) throws -> StatusReport {
        let configuration = console.loaded.configuration
        var queue: [String: Int] = [:]
        for state in CollectionState.allCases {
            queue[state.rawValue] = try store.collectionIDs(in: state).count
        }
        let space = FileSystemSpace.measure(path: configuration.dataDirectory)
        let panelSummary = try panel.map { PanelSummary(try $0.refresh()) }
        var report = StatusReport(
            version: ImplementationIdentity.productVersion,
            listener: "\(configuration.bindAddress):\(configuration.port)",
            aeTitles: configuration.aeTitles,
            uptimeSeconds: max(0, Int(Date().timeIntervalSince(console.startedAt))),
            startedAt: ISO8601DateFormatter().string(from: console.startedAt),
            drives: driveSummaries(console), changer: changerSummary(console.changer),
            panel: panelSummary, queue: queue, dataDirectory: configuration.dataDirectory,
            freeBytes: space?.availableBytes ?? 0,
            totalBytes: space.map { $0.usedBytes + $0.availableBytes } ?? 0,
            usedPercent: space.map { Int($0.usedPercent.rounded(.up)) } ?? 0,
            spoolHighWaterPercent: configuration.spoolHighWater)
        report.spoolAvailableBytes = FileSystemSpace.measure(path: console.spoolDirectory)?
            .availableBytes
        report.spoolReclaimableBytes = try store.reclaimableBytes()
        report.missingSpoolFiles = try store.missingSpoolFiles().count
        return report
    }

    private func changerSummary(_ changer: (any DiscChanger)?) -> ChangerSummary? {
        guard let changer else { return nil }
        if let simulated = changer as? SimulatedChanger {
            let bins = Dictionary(
                uniqueKeysWithValues: [ChangerBin.input, .output, .reject].map {
                    ($0.rawValue, simulated.contents(of: $0))
                })
            return ChangerSummary(name: changer.name, kind: "simulated", bins: bins)
        }
        let kind = changer is ManualChanger ? "manual" : "changer"
        return ChangerSummary(name: changer.name, kind: kind, bins: nil)
    }

    // MARK: - Log

    private func recentEvents(limit: Int) throws -> [EventSummary] {
        let timestamps = ISO8601DateFormatter()
        var events = try store.recentEvents(limit: limit).map {
            (
                at: $0.at,
                summary: EventSummary(
                    at: timestamps.string(from: $0.at), kind: $0.kind.rawValue,
                    job: $0.collectionID,
                    text: $0.text)
            )
        }
        events += Logger.recentProblems.suffix(limit).map {
            (
                at: $0.at,
                summary: EventSummary(
                    at: timestamps.string(from: $0.at), kind: $0.level.description, job: nil,
                    text: "\($0.label): \($0.text)")
            )
        }
        let sorted = events.enumerated().sorted {
            ($0.element.at, $0.offset) < ($1.element.at, $1.offset)
        }
        return sorted.suffix(limit).map(\.element.summary)
    }
}
