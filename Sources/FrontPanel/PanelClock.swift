import Synchronization

/// A source of monotonic time for the panel, so that tests can move time by hand.
public protocol PanelClock: Sendable {
    /// Returns the time since a fixed start, which never goes backwards.
    func now() -> Duration
}

/// The system's monotonic clock (`ContinuousClock`), counted from when this value was
/// made.
public struct SystemPanelClock: PanelClock {
    private let start = ContinuousClock.now

    /// Makes a clock that reads zero now.
    public init() {}

    /// Returns the time since the clock was made.
    public func now() -> Duration {
        ContinuousClock.now - start
    }
}

/// A clock that moves only when `advance(by:)` is called, for tests and simulations.
public final class VirtualPanelClock: PanelClock {
    private let current = Mutex(Duration.zero)

    /// Makes a clock that reads zero until it is advanced.
    public init() {}

    /// Returns the time the clock was advanced to.
    public func now() -> Duration {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `step`, which must not be negative.
    public func advance(by step: Duration) {
        precondition(step >= .zero, "a virtual clock cannot go backwards")
        current.withLock { $0 += step }
    }
}
