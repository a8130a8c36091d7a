import Glibc
import MediaCenterCore
import Synchronization

/// A DICOM Storage SCP: responds to C-ECHO and receives C-STORE for the SOP classes of
/// `SOPClassTable`, handing each instance to its delegate.
///
/// It listens on a socket of its own. An accept loop runs on a dedicated thread, and each
/// association runs on a thread of its own; finished threads are joined as they end. At
/// `configuration.maxAssociations` open associations, a new request is rejected as
/// transient with reason "local limit exceeded". Every blocking call runs on these
/// threads, never on Swift's cooperative pool.
public final class StorageSCP: Sendable {
    /// The settings the SCP runs with.
    public let configuration: StorageSCPConfiguration
    private let delegate: any StorageDelegate
    private let logger: Logger
    private let state = Mutex(State())

    /// Makes an SCP; nothing listens until `start()`.
    /// - Parameters:
    ///   - configuration: Where to listen and the limits; `start()` validates it.
    ///   - delegate: Takes received instances and association events.
    ///   - logger: Receives debug messages only, because the daemon logs what matters from
    ///     the delegate's events.
    public init(
        configuration: StorageSCPConfiguration, delegate: any StorageDelegate,
        logger: Logger = Logger(label: "storage-scp")
    ) {
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
    }

    /// The TCP port the SCP listens on, known once `start()` returned; 0 before.
    public var port: Int {
        state.withLock { $0.port }
    }

    /// Validates the configuration, loads the DICOM dictionary, opens the listening socket
    /// and starts the accept loop. Returns once the socket listens. An SCP starts once.
    /// - Throws: `MediaCenterError`: `invalidConfiguration` for a bad setting,
    ///   `networkFailure` when the address cannot be bound, `invalidArgument` when the SCP
    ///   was started before.
    public func start() throws {
        try configuration.validate()
        try DicomToolkit.initialize()

        try state.withLock { state in
            guard state.phase == .idle else {
                throw MediaCenterError(
                    .invalidArgument,
                    "this Storage SCP was started before; make a new StorageSCP to start again")
            }
            let (listener, port) = try ListeningSocket.open(
                host: configuration.bindAddress, port: configuration.port)
            let wake: (reader: Int32, writer: Int32)
            do {
                wake = try Self.makeWakePipe()
            } catch {
                close(listener)
                throw error
            }
            let shim = ShimConfiguration(configuration)
            do {
                state.acceptThread = try JoinableThread(name: "dicom-accept") { [self] in
                    acceptLoop(listener: listener, wakeReader: wake.reader, shim: shim)
                }
            } catch {
                close(listener)
                close(wake.reader)
                close(wake.writer)
                throw error
            }
            state.phase = .running
            state.port = port
            state.wakeReader = wake.reader
            state.wakeWriter = wake.writer
        }
        logger.debug(
            "listening", ["bind.address": configuration.bindAddress, "port": String(port)])
    }

    /// Stops the SCP: closes the listening socket, lets open associations finish for up to
    /// `gracePeriod`, then aborts the rest, and joins every thread. Returns once all have
    /// ended. Does nothing when the SCP is not running.
    public func stop(gracePeriod: Duration = .seconds(5)) {
        let started: (thread: JoinableThread, wakeWriter: Int32)? = state.withLock { state in
            guard state.phase == .running, let thread = state.acceptThread else { return nil }
            state.phase = .stopping
            state.acceptThread = nil
            return (thread, state.wakeWriter)
        }
        guard let started else { return }
        Self.wake(started.wakeWriter)
        started.thread.join()

        let deadline = ContinuousClock.now + gracePeriod
        while hasWorkers() && ContinuousClock.now < deadline {
            joinFinishedThreads()
            usleep(10_000)
        }

        // Shutting the connection down wakes a thread blocked in a read or write at once.
        state.withLock { state in
            for id in Array(state.workers.keys) {
                state.workers[id]?.stopped = true
                if let control = state.workers[id]?.control, control >= 0 {
                    shutdown(control, Int32(SHUT_RDWR))
                }
            }
        }
        while hasWorkers() {
            joinFinishedThreads()
            usleep(10_000)
        }
        joinFinishedThreads()

        state.withLock { state in
            close(state.wakeReader)
            close(state.wakeWriter)
            state.wakeReader = -1
            state.wakeWriter = -1
            state.phase = .stopped
        }
        logger.debug("stopped", ["port": String(port)])
    }

    // MARK: - State

    private struct State {
        enum Phase { case idle, running, stopping, stopped }

        var phase = Phase.idle
        var port = 0
        var acceptThread: JoinableThread?
        /// The pipe that wakes the accept loop. Both ends stay open until `stop()` has
        /// joined every thread, so that a late write never meets a closed reader (SIGPIPE).
        var wakeReader: Int32 = -1
        var wakeWriter: Int32 = -1
        /// Threads serving a connection, by association ID.
        var workers: [UInt64: Worker] = [:]
        /// Threads that have ended and wait to be joined.
        var finished: [JoinableThread] = []
        /// Established associations, each holding a slot of the pool.
        var openAssociations = 0
        /// Connections whose A-ASSOCIATE-RQ is still being read, by peer address.
        var awaitingRequest: [String: Int] = [:]
        var awaitingRequestTotal = 0
        /// Connections closed at once since the last report of them, and when that was.
        var closedAtOnce = 0
        var lastClosedReport: ContinuousClock.Instant?
        var nextID: UInt64 = 1
    }

    private struct Worker {
        var thread: JoinableThread?
        /// A duplicate of the connection's descriptor. DCMTK closes its own descriptor at a
        /// time of its choosing, but this one stays open until the thread ends. So `stop()`
        /// can shut the connection down without hitting a descriptor number reused meanwhile.
        var control: Int32
        var peerAddress: String
        /// Whether the connection still waits for its A-ASSOCIATE-RQ to be read.
        var awaitingRequest = true
        /// Whether the association has taken a slot of the pool.
        var holdsSlot = false
        var stopped = false
    }

    /// Connections from one address that may wait for their A-ASSOCIATE-RQ at once. A slot
    /// of the pool is taken only once a request is read and accepted, so idle connections
    /// cannot lock out other peers, and this bound keeps one host from tying up threads.
    private var awaitingRequestPerAddressLimit: Int {
        max(2 * configuration.maxAssociations, 10)
    }

    /// Connections from all addresses together that may wait for their A-ASSOCIATE-RQ.
    private var awaitingRequestLimit: Int {
        max(8 * configuration.maxAssociations, 40)
    }

    /// Connections being served or rejected, for tests.
    var workerCount: Int {
        state.withLock { $0.workers.count + $0.finished.count }
    }

    private func hasWorkers() -> Bool {
        state.withLock { !$0.workers.isEmpty }
    }

    private func joinFinishedThreads() {
        let finished = state.withLock { state in
            let threads = state.finished
            state.finished.removeAll()
            return threads
        }
        for thread in finished {
            thread.join()
        }
    }

    // MARK: - Accept loop

    private static func makeWakePipe() throws -> (reader: Int32, writer: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw MediaCenterError.fromErrno(
                .internalFailure, "cannot create the pipe that wakes the accept loop",
                call: "pipe")
        }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return (descriptors[0], descriptors[1])
    }

    private static func wake(_ writer: Int32) {
        var byte: UInt8 = 1
        // A full pipe already wakes the loop, so a failed write needs no handling.
        _ = write(writer, &byte, 1)
    }

    private func acceptLoop(listener: Int32, wakeReader: Int32, shim: ShimConfiguration) {
        defer { close(listener) }
        var lastAcceptError: Int32 = 0
        while true {
            var descriptors = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&descriptors, 2, -1) < 0 {
                if errno != EINTR { usleep(100_000) }
                continue
            }
            if descriptors[1].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                while read(wakeReader, &buffer, buffer.count) > 0 {}
                joinFinishedThreads()
                if state.withLock({ $0.phase != .running }) { return }
            }
            guard descriptors[0].revents != 0 else { continue }

            guard let connection = ListeningSocket.accept(on: listener) else {
                let failure = errno
                if [EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED].contains(failure) { continue }
                // Out of descriptors or memory: report the first failure of a series only,
                // and pause so the loop does not spin while the cause lasts.
                if failure != lastAcceptError {
                    let error = MediaCenterError.fromErrno(
                        .networkFailure, "cannot accept a connection on port \(port)",
                        call: "accept", errno: failure)
                    report(.failed(peerAddress: "", error))
                }
                lastAcceptError = failure
                usleep(100_000)
                continue
            }
            lastAcceptError = 0
            dispatch(connection, shim: shim)
        }
    }

    /// Starts a thread that reads the association request of `connection` and serves it.
    /// A connection beyond the limits of connections waiting for their request is closed
    /// at once.
    private func dispatch(_ connection: ListeningSocket.Connection, shim: ShimConfiguration) {
        let peer = connection.peerAddress
        let perAddressLimit = awaitingRequestPerAddressLimit
        let totalLimit = awaitingRequestLimit
        let failure: MediaCenterError? = state.withLock { state in
            let fromPeer = state.awaitingRequest[peer, default: 0]
            guard fromPeer < perAddressLimit, state.awaitingRequestTotal < totalLimit else {
                close(connection.descriptor)
                state.closedAtOnce += 1
                // One report a minute at most, because a port scan or a flood would fill
                // the log otherwise.
                let now = ContinuousClock.now
                if let last = state.lastClosedReport, now - last < .seconds(60) { return nil }
                state.lastClosedReport = now
                let count = state.closedAtOnce
                state.closedAtOnce = 0
                let reason =
                    fromPeer >= perAddressLimit
                    ? "\(fromPeer) connections from \(peer) are already waiting for their "
                        + "association request"
                    : "\(state.awaitingRequestTotal) connections are already waiting for their "
                        + "association request"
                return MediaCenterError(
                    .networkFailure,
                    "closed \(count) connection\(count == 1 ? "" : "s") at once in the last "
                        + "minute: \(reason); each is closed after the association timeout "
                        + "of \(configuration.associationTimeout) s")
            }
            let id = state.nextID
            state.nextID += 1
            let control = dup(connection.descriptor)
            do {
                let thread = try JoinableThread(name: "dicom-assoc-\(id % 10000)") { [self] in
                    serveConnection(connection, id: id, shim: shim)
                    finish(id: id)
                }
                state.workers[id] = Worker(thread: thread, control: control, peerAddress: peer)
                state.awaitingRequest[peer, default: 0] += 1
                state.awaitingRequestTotal += 1
                return nil
            } catch {
                close(connection.descriptor)
                if control >= 0 { close(control) }
                return error as? MediaCenterError
                    ?? MediaCenterError(.internalFailure, "cannot start an association thread")
            }
        }
        if let failure {
            report(.failed(peerAddress: peer, failure))
        }
    }

    /// Marks that the request of worker `id` has been read, so it no longer counts as
    /// waiting for one.
    private func requestRead(id: UInt64) {
        state.withLock { state in
            guard var worker = state.workers[id], worker.awaitingRequest else { return }
            worker.awaitingRequest = false
            state.workers[id] = worker
            Self.forgetAwaitingRequest(of: worker.peerAddress, in: &state)
        }
    }

    private static func forgetAwaitingRequest(of peer: String, in state: inout State) {
        state.awaitingRequestTotal -= 1
        let left = state.awaitingRequest[peer, default: 1] - 1
        state.awaitingRequest[peer] = left > 0 ? left : nil
    }

    /// Takes a slot of the pool for worker `id`, unless every slot is taken.
    private func takeSlot(id: UInt64) -> Bool {
        let limit = configuration.maxAssociations
        return state.withLock { state in
            guard state.openAssociations < limit, var worker = state.workers[id] else {
                return false
            }
            state.openAssociations += 1
            worker.holdsSlot = true
            state.workers[id] = worker
            return true
        }
    }

    /// Removes the calling worker, hands its thread to the accept loop for joining, and
    /// wakes the loop.
    private func finish(id: UInt64) {
        let writer = state.withLock { state in
            if let worker = state.workers.removeValue(forKey: id) {
                if worker.control >= 0 { close(worker.control) }
                if let thread = worker.thread { state.finished.append(thread) }
                if worker.holdsSlot { state.openAssociations -= 1 }
                if worker.awaitingRequest {
                    Self.forgetAwaitingRequest(of: worker.peerAddress, in: &state)
                }
            }
            return state.wakeWriter
        }
        // stop() closes the pipe only after joining this thread, so both ends are still open.
        Self.wake(writer)
    }

    // MARK: - Associations

    private func serveConnection(
        _ connection: ListeningSocket.Connection, id: UInt64, shim: ShimConfiguration
    ) {
        let peer = connection.peerAddress
        let limit = configuration.maxAssociations
        let outcome = Association.receive(socket: connection.descriptor, configuration: shim) {
            [self] calling, called in
            requestRead(id: id)
            let decision = delegate.authorize(
                AssociationRequest(
                    callingAETitle: calling, calledAETitle: called, peerAddress: peer))
            guard decision == .accept else { return decision }
            guard takeSlot(id: id) else {
                return .rejectLocalLimit(
                    reason: "\(limit) associations are open, the maximum; raise "
                        + "max_associations or have the sender retry later")
            }
            return .accept
        }
        requestRead(id: id)
        guard case .accepted(let association) = outcome else {
            releaseSlot(id: id)
            reportUnaccepted(outcome, peerAddress: peer)
            return
        }

        let info = AssociationInfo(
            id: id, callingAETitle: association.callingAETitle,
            calledAETitle: association.calledAETitle, peerAddress: peer,
            proposedContexts: association.proposedContexts,
            acceptedContexts: association.acceptedContexts,
            rejectedContexts: association.rejectedContexts)
        report(.accepted(info))
        var end = serve(association, info: info)
        if state.withLock({ $0.workers[id]?.stopped ?? false }) {
            end = .stopped
        }
        report(.closed(info, end))
    }

    /// Gives the slot of worker `id` back, when it took one for an association that did not
    /// come about.
    private func releaseSlot(id: UInt64) {
        state.withLock { state in
            guard var worker = state.workers[id], worker.holdsSlot else { return }
            worker.holdsSlot = false
            state.workers[id] = worker
            state.openAssociations -= 1
        }
    }

    private func reportUnaccepted(_ outcome: Association.Outcome, peerAddress: String) {
        switch outcome {
        case .accepted:
            break
        case .rejected(let rejection, let reason, let calling, let called):
            let request = AssociationRequest(
                callingAETitle: calling, calledAETitle: called, peerAddress: peerAddress)
            report(.rejected(request, rejection, reason: reason))
        case .failed(let error, _, _):
            report(.failed(peerAddress: peerAddress, error))
        }
    }

    /// Handles DIMSE messages until the association ends, and returns the way it ended.
    private func serve(_ association: Association, info: AssociationInfo) -> AssociationEnd {
        while true {
            let temporaryPath = delegate.temporaryPath()
            switch association.next(temporaryPath: temporaryPath) {
            case .echo:
                report(.echo(info))
            case .store(let request, let dataSet):
                let instance = ReceivedInstance(
                    temporaryPath: temporaryPath, dataSet: dataSet,
                    sopClassUID: request.sopClassUID, sopInstanceUID: request.sopInstanceUID,
                    transferSyntaxUID: request.transferSyntaxUID,
                    callingAETitle: info.callingAETitle, calledAETitle: info.calledAETitle,
                    peerAddress: info.peerAddress, associationID: info.id)
                let response = delegate.store(instance)
                do {
                    try association.respondToStore(response)
                } catch {
                    return .failed(error as? MediaCenterError ?? Self.unknown(error))
                }
                // Unless the delegate kept it, the parsed data set is freed only now, after
                // the response went out.
                withExtendedLifetime(instance) {}
            case .storeFailed(let request, let error):
                let response = Self.response(toFailedStore: error)
                report(
                    .storeFailed(
                        info, sopInstanceUID: request.sopInstanceUID, status: response.status,
                        error))
                do {
                    try association.respondToStore(response)
                } catch {
                    return .failed(error as? MediaCenterError ?? Self.unknown(error))
                }
            case .released:
                return .released
            case .abortedByPeer:
                return .abortedByPeer
            case .timedOut:
                return .timedOut
            case .failed(let error):
                return .failed(error)
            }
        }
    }

    /// Returns the response to a C-STORE whose data set could not be written: 0122 (SOP
    /// class not supported) when the request's SOP class differs from its presentation
    /// context, else A700 (out of resources).
    private static func response(toFailedStore error: MediaCenterError) -> StoreResponse {
        switch error.code {
        case .unsupported:
            StoreResponse(
                status: 0x0122,
                errorComment: "SOP class differs from the presentation context")
        case .noSpace:
            StoreResponse(status: 0xA700, errorComment: "storage is full")
        default:
            StoreResponse(status: 0xA700, errorComment: "cannot write the received data set")
        }
    }

    private static func unknown(_ error: any Error) -> MediaCenterError {
        MediaCenterError(.internalFailure, "unexpected error: \(error)")
    }

    private func report(_ event: AssociationEvent) {
        logger.debug(event.description, event.metadata)
        delegate.associationEvent(event)
    }
}
