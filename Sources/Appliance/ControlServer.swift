import ControlProtocol
import Foundation
import JobEngine
import MediaCenterCore
import PatientStore
import Synchronization

/// Serves `mediacenterctl` on the control socket in the data directory, one request per
/// connection, on a thread of its own.
public final class ControlServer: Sendable {
    private let path: String
    let store: PatientStore
    let engine: JobQueue
    private let accessControl: AccessControl?
    /// The front panel that the `panel` and `press` commands use, or nil.
    let panel: PanelService?
    /// The context of the console commands beyond jobs, burn, retry, aet and panel. Nil
    /// makes those commands fail.
    let console: ConsoleContext?
    let status: @Sendable () -> [String: String]
    let logger = Logger(label: "control")
    private let listener = Mutex<UnixSocket?>(nil)
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes the server; `accessControl` is what the `aet-*` commands change, and `panel`
    /// what `panel` and `press` use. Nil makes those commands fail.
    public init(
        path: String, store: PatientStore, engine: JobQueue,
        accessControl: AccessControl? = nil, panel: PanelService? = nil,
        console: ConsoleContext? = nil, status: @escaping @Sendable () -> [String: String]
    ) {
        self.panel = panel
        self.console = console
        self.path = path
        self.store = store
        self.engine = engine
        self.accessControl = accessControl
        self.status = status
    }

    /// Creates the socket and starts serving.
    public func start() throws {
        let socket = try UnixSocket.listen(path: path)
        listener.withLock { $0 = socket }
        let thread = Thread { [self] in
            while let client = socket.accept() {
                handle(client)
            }
            stopped.signal()
        }
        thread.name = "control"
        thread.start()
    }

    /// Stops serving and removes the socket file.
    public func stop() {
        let socket = listener.withLock { current -> UnixSocket? in
            defer { current = nil }
            return current
        }
        guard let socket else { return }
        socket.shutdownListening()
        stopped.wait()
        socket.close()
        unlink(path)
    }

    private func handle(_ client: UnixSocket) {
        // Requests are served one at a time, so a client that connects and then sends
        // nothing must not delay the others by more than a few seconds.
        client.setTimeout(seconds: 5)
        let response: ControlResponse
        do {
            let peer = try? client.peerCredentials()
            let bytes = try client.receiveAll(limit: 1 << 20)
            let request = try JSONDecoder().decode(ControlRequest.self, from: Data(bytes))
            response = refusal(of: request, peer: peer) ?? respond(to: request)
        } catch let error as DecodingError {
            response = .failure("the request is not valid JSON for this daemon: \(error)")
        } catch {
            response = .failure("the request could not be read: \(error)")
        }

        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try client.sendAll(Array(try encoder.encode(response)))
        } catch {
            logger.warning("control reply could not be sent: \(error)")
        }
        client.close()
    }

    /// Carries out one request; the caller has checked that its peer may make it.
    func respond(to request: ControlRequest) -> ControlResponse {
        do {
            switch request.command {
            case "jobs":
                return ControlResponse(ok: true, jobs: try store.collections().map(JobSummary.init))
            case "burn":
                if request.all == true {
                    return ControlResponse(ok: true, queued: try engine.finishAll())
                }
                guard let patientID = request.patientID else {
                    return .failure("burn needs --patient-id ID or --all")
                }
                let queued = try engine.finish(patientID: patientID)
                guard !queued.isEmpty else {
                    return .failure(
                        "no patient with Patient ID '\(patientID)' is receiving; "
                            + "see mediacenterctl jobs")
                }
                logger.info("burn requested on the console", ["jobs": "\(queued)"])
                return ControlResponse(ok: true, queued: queued)
            case "retry":
                guard let job = request.job else { return .failure("retry needs a job number") }
                guard try store.collection(id: job) != nil else {
                    return .failure("no job \(job); see mediacenterctl jobs")
                }
                guard try engine.retry(collection: job) else {
                    return .failure(
                        "job \(job) has not failed, so there is nothing to retry; "
                            + "see mediacenterctl jobs")
                }
                return ControlResponse(ok: true, queued: [job])
            case "status" where console == nil:
                return ControlResponse(ok: true, status: status())
            case "status", "job", "cancel", "drives", "eject", "config-show", "config-set",
                "log", "selftest":
                return try respondToConsole(request)
            case "aet-list", "aet-add", "aet-remove":
                return try respondToAccessList(request)
            case "panel", "press":
                return try respondToPanel(request)
            default:
                return .failure("unknown command '\(request.command)'; see mediacenterctl --help")
            }
        } catch {
            logger.error("control request '\(request.command)' failed: \(error)")
            return .failure(String(describing: error))
        }
    }
}

extension ControlServer {
    /// Lists or changes the access list, and replies with the list as it is afterwards.
    private func respondToAccessList(_ request: ControlRequest) throws -> ControlResponse {
        guard let accessControl else {
            return .failure("this daemon has no access list")
        }
        switch request.command {
        case "aet-add":
            guard let entry = request.remoteAE else {
                return .failure("aet add needs an AE title and a host")
            }
            do {
                let added = try accessControl.add(entry)
                logger.notice(
                    "access list: added \(added.aeTitle) from \(added.host)",
                    ["calling.ae": added.aeTitle])
            } catch let error as MediaCenterError where error.code == .invalidArgument {
                return .failure(error.message)
            }
        case "aet-remove":
            guard let title = request.remoteAE?.aeTitle else {
                return .failure("aet remove needs an AE title")
            }
            guard let removed = try accessControl.remove(title) else {
                return .failure(
                    "AE title \"\(title)\" is not in the access list; see mediacenterctl aet list")
            }
            logger.notice(
                "access list: removed \(removed.aeTitle)", ["calling.ae": removed.aeTitle])
        default:
            break
        }
        return ControlResponse(
            ok: true, remoteAEs: accessControl.list, accessControl: accessControl.enabled)
    }
}

extension JobSummary {
    /// The console's view of a recorded collection.
    init(_ record: CollectionRecord) {
        let timestamps = ISO8601DateFormatter()
        self.init(
            id: record.id, patientName: record.patientName, patientID: record.patientID,
            patientIDGenerated: record.patientIDGenerated, state: record.state.rawValue,
            instances: record.instances, bytes: record.bytes,
            discs: record.discs.map {
                DiscSummary(
                    path: $0.path, verified: $0.verified, number: $0.number, count: $0.count,
                    bytes: $0.bytes, md5: $0.md5, profile: $0.profile)
            },
            rejects: record.rejects.map {
                RejectSummary(
                    number: $0.number, reason: $0.reason, path: $0.path,
                    at: timestamps.string(from: $0.at))
            },
            error: record.failureReason,
            createdAt: timestamps.string(from: record.createdAt),
            updatedAt: timestamps.string(from: record.updatedAt))
    }
}
