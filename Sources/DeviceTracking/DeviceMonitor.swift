import Glibc
import MediaCenterCore
import Synchronization

/// Keeps a ``DeviceRegistry`` up to date from a ``UdevSource``: one enumeration at start, then
/// every event, received on a thread of its own.
///
/// The thread waits at most ``pollIntervalMilliseconds`` for each event, so ``stop()``
/// returns within about that time. When the kernel dropped events, or receiving failed,
/// the monitor enumerates again and reconciles the registry with what is present.
public final class DeviceMonitor: Sendable {
    /// The maximum wait for one event, in milliseconds, which bounds how long ``stop()``
    /// takes.
    public static let pollIntervalMilliseconds: Int32 = 100

    /// The pause after a failed receive or enumeration before the next try, in milliseconds,
    /// so that a broken socket does not spin the thread.
    static let retryDelayMilliseconds: Int32 = 1000

    /// The registry this monitor updates.
    public let registry: DeviceRegistry

    private let source: any UdevSource
    private let logger = Logger(label: "DeviceTracking")
    private let isStopping = Atomic<Bool>(false)
    private let thread = Mutex<JoinableThread?>(nil)

    /// Makes a monitor that feeds `registry` from `source`. Nothing runs until ``start()``.
    public init(source: any UdevSource, registry: DeviceRegistry = DeviceRegistry()) {
        self.source = source
        self.registry = registry
    }

    /// Enumerates the present devices into the registry on the calling thread, then starts
    /// the thread that receives events. Observers see a ``DeviceEvent/driveAdded(_:)`` or
    /// ``DeviceEvent/changerAdded(_:)`` for each device already present.
    /// - Throws: `MediaCenterError` when the enumeration fails or the thread cannot start,
    ///   and nothing keeps running then, or with `.invalidArgument` when the monitor is
    ///   running already.
    public func start() throws {
        guard thread.withLock({ $0 == nil }) else {
            throw MediaCenterError(
                .invalidArgument, "the udev device monitor is running already; call stop() first")
        }
        let present = try source.enumerate()
        registry.reconcile(with: present)
        logger.debug(
            "device enumeration finished",
            [
                "drive.count": String(registry.drives.count),
                "changer.count": String(registry.changers.count),
            ])

        isStopping.store(false, ordering: .relaxed)
        let started = try JoinableThread(name: "udev-monitor") { [self] in
            receiveUntilStopped()
        }
        thread.withLock { $0 = started }
    }

    /// Stops the event thread and waits for it, which takes at most about one poll
    /// interval. Calling it again, or before ``start()``, does nothing.
    public func stop() {
        isStopping.store(true, ordering: .relaxed)
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
    }

    private func receiveUntilStopped() {
        var needsEnumeration = false
        while !isStopping.load(ordering: .relaxed) {
            if needsEnumeration {
                needsEnumeration = !enumerateAgain()
                continue
            }
            do {
                switch try source.receive(timeoutMilliseconds: Self.pollIntervalMilliseconds) {
                case .event(let event):
                    log(registry.apply(event))
                case .timedOut:
                    break
                case .eventsLost:
                    logger.warning("udev events were lost; enumerating devices again")
                    needsEnumeration = true
                }
            } catch {
                logger.error(
                    "receiving a udev event failed; enumerating devices again: \(error)")
                needsEnumeration = true
                pauseBeforeRetry()
            }
        }
    }

    /// Enumerates the devices and reconciles the registry with them.
    /// - Returns: whether the enumeration succeeded.
    private func enumerateAgain() -> Bool {
        do {
            log(registry.reconcile(with: try source.enumerate()))
            return true
        } catch {
            logger.error("enumerating udev devices failed; retrying: \(error)")
            pauseBeforeRetry()
            return false
        }
    }

    /// Sleeps for the retry delay in poll-interval steps, so that stop() is not held up.
    private func pauseBeforeRetry() {
        var waited: Int32 = 0
        while waited < Self.retryDelayMilliseconds && !isStopping.load(ordering: .relaxed) {
            usleepMilliseconds(Self.pollIntervalMilliseconds)
            waited += Self.pollIntervalMilliseconds
        }
    }

    /// Logs each change at info level with the device's node and sysfs path, which carry no
    /// patient data.
    private func log(_ events: [DeviceEvent]) {
        for event in events {
            let (message, metadata) = Self.logLine(for: event)
            logger.info(message, metadata)
        }
    }

    static func logLine(for event: DeviceEvent) -> (String, LogMetadata) {
        switch event {
        case .driveAdded(let drive): ("optical drive added", driveFields(drive))
        case .driveRemoved(let drive): ("optical drive removed", driveFields(drive))
        case .mediaInserted(let drive): ("medium inserted", driveFields(drive))
        case .mediaEjected(let drive): ("medium ejected", driveFields(drive))
        case .mediaChanged(let drive): ("medium changed", driveFields(drive))
        case .ejectRequested(let drive): ("eject button pressed", driveFields(drive))
        case .changerAdded(let changer): ("medium changer added", changerFields(changer))
        case .changerUpdated(let changer): ("medium changer nodes changed", changerFields(changer))
        case .changerRemoved(let changer): ("medium changer removed", changerFields(changer))
        }
    }

    private static func driveFields(_ drive: TrackedDrive) -> LogMetadata {
        var fields = ["drive.path": drive.devnode, "drive.syspath": drive.syspath]
        fields["drive.vendor"] = drive.identity.vendor
        fields["drive.model"] = drive.identity.model
        if let media = drive.media {
            fields["media.profile"] = media.profile.rawValue
            fields["media.state"] = media.state.rawValue
        }
        return fields
    }

    private static func changerFields(_ changer: TrackedChanger) -> LogMetadata {
        var fields = ["changer.syspath": changer.syspath]
        fields["changer.sg"] = changer.genericNode
        fields["changer.sch"] = changer.changerNode
        fields["changer.vendor"] = changer.identity.vendor
        fields["changer.model"] = changer.identity.model
        return fields
    }
}

/// Sleeps for `milliseconds`.
func usleepMilliseconds(_ milliseconds: Int32) {
    var request = timespec(
        tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR {
        request = remaining
    }
}
