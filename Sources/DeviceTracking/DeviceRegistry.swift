import MediaHardware
import Synchronization

/// The optical drives and medium changers present now, shared between threads, with a
/// callback and an async stream of every change.
///
/// ``DeviceMonitor`` feeds it from udev. Any thread may read it. Callbacks run on the thread
/// that applied the change, which is the monitor's thread, in the order of the changes. They
/// must return quickly, because the monitor receives no event meanwhile, and must not apply
/// events themselves, which would deadlock; reading the registry is fine.
public final class DeviceRegistry: DrivePresence {
    /// A registered callback, for ``removeObserver(_:)``.
    public struct ObserverToken: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct State {
        var tracker = DeviceTracker()
        /// The generation of each drive present, by device path.
        var generations: [String: UInt64] = [:]
        var lastGeneration: UInt64 = 0
        var nextObserverID: UInt64 = 0
        var observers: [UInt64: @Sendable (DeviceEvent) -> Void] = [:]
        var streams: [UInt64: AsyncStream<DeviceEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())
    /// Serializes the delivery of changes, so that observers see them in the order they
    /// were applied even when two threads apply events at once.
    private let delivery = Mutex(())

    /// The number of changes a stream from ``changes()`` buffers for a slow reader; older
    /// ones are dropped first.
    public static let streamBufferLimit = 1024

    /// Makes an empty registry.
    public init() {}

    /// The drives present now, ordered by device node.
    public var drives: [TrackedDrive] {
        state.withLock { $0.tracker.drives.values.sorted { $0.devnode < $1.devnode } }
    }

    /// The changers present now, ordered by device path.
    public var changers: [TrackedChanger] {
        state.withLock { $0.tracker.changers.values.sorted { $0.devpath < $1.devpath } }
    }

    /// Returns the drive whose device node is `devnode`, such as `/dev/sr0`, if present.
    public func drive(atNode devnode: String) -> TrackedDrive? {
        state.withLock { state in
            state.tracker.drives.values.first { $0.devnode == devnode }
        }
    }

    /// Applies one udev event and passes the changes it made to every observer.
    /// - Returns: the changes, in order.
    @discardableResult
    public func apply(_ event: UdevEvent) -> [DeviceEvent] {
        publish { state in
            if event.action == .move, let old = event.device.properties["DEVPATH_OLD"],
                let generation = state.generations.removeValue(forKey: old)
            {
                state.generations[event.device.devpath] = generation
            }
            return state.tracker.apply(event)
        }
    }

    /// Replaces the tracked set with `present`, the result of an enumeration, and passes the
    /// changes to every observer.
    /// - Returns: the changes, in order.
    @discardableResult
    public func reconcile(with present: [UdevDevice]) -> [DeviceEvent] {
        publish { $0.tracker.reconcile(with: present) }
    }

    /// Calls `handler` with each later change, on the thread that applied it.
    public func addObserver(
        _ handler: @escaping @Sendable (DeviceEvent) -> Void
    ) -> ObserverToken {
        state.withLock { state in
            state.nextObserverID += 1
            state.observers[state.nextObserverID] = handler
            return ObserverToken(id: state.nextObserverID)
        }
    }

    /// Stops the callbacks of `token`. A change being delivered at that moment may still
    /// reach it.
    public func removeObserver(_ token: ObserverToken) {
        _ = state.withLock { $0.observers.removeValue(forKey: token.id) }
    }

    /// Returns a stream of every later change. It ends when the task that iterates it is
    /// cancelled or ``finishStreams()`` is called.
    public func changes() -> AsyncStream<DeviceEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: DeviceEvent.self, bufferingPolicy: .bufferingNewest(Self.streamBufferLimit))
        let id = state.withLock { state in
            state.nextObserverID += 1
            state.streams[state.nextObserverID] = continuation
            return state.nextObserverID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every stream that ``changes()`` returned, such as when the daemon stops.
    public func finishStreams() {
        let continuations = state.withLock { state in
            defer { state.streams.removeAll() }
            return Array(state.streams.values)
        }
        continuations.forEach { $0.finish() }
    }

    // MARK: - DrivePresence

    /// Returns whether a drive with the device node `driveName` is tracked now.
    public func isPresent(_ driveName: String) -> Bool {
        state.withLock { state in
            state.tracker.drives.values.contains { $0.devnode == driveName }
        }
    }

    /// Marks the drive whose device node is `driveName` as present now.
    /// - Returns: the mark, or nil when no such drive is present.
    public func markPresence(ofDrive driveName: String) -> DrivePresenceMark? {
        state.withLock { state in
            guard let drive = state.tracker.drives.values.first(where: { $0.devnode == driveName }),
                let generation = state.generations[drive.devpath]
            else { return nil }
            return DrivePresenceMark(driveName: driveName, generation: generation)
        }
    }

    /// Returns whether the appearance of the drive that `mark` names has ended, because the
    /// drive was removed, whether or not a drive with the same node came back since.
    public func hasDriveGone(since mark: DrivePresenceMark) -> Bool {
        state.withLock { state in
            !state.tracker.drives.values.contains { drive in
                drive.devnode == mark.driveName
                    && state.generations[drive.devpath] == mark.generation
            }
        }
    }

    // MARK: - Delivery

    /// Runs `change` on the tracker, numbers drives that it added, and hands the changes to
    /// the observers and streams outside the state lock.
    private func publish(_ change: (inout State) -> [DeviceEvent]) -> [DeviceEvent] {
        delivery.withLock { _ in
            let (events, observers, streams) = state.withLock { state in
                let events = change(&state)
                for event in events {
                    switch event {
                    case .driveAdded(let drive):
                        state.lastGeneration += 1
                        state.generations[drive.devpath] = state.lastGeneration
                    case .driveRemoved(let drive):
                        state.generations[drive.devpath] = nil
                    default:
                        break
                    }
                }
                let observers = state.observers.sorted { $0.key < $1.key }.map(\.value)
                return (events, observers, Array(state.streams.values))
            }
            for event in events {
                observers.forEach { $0(event) }
                streams.forEach { $0.yield(event) }
            }
            return events
        }
    }
}
