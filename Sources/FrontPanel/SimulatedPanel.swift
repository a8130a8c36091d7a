import MediaCenterCore
import Synchronization

/// A front panel with no hardware, kept in memory: for the embedded default, where the
/// console presses its buttons, and for tests, which also hold buttons down and plan
/// failures.
public final class SimulatedPanel: PanelHardware {
    public let backendName = "simulated"

    private struct Lines {
        var lit: Set<PanelLED> = []
        var held: Set<PanelButton> = []
        var ledWrites = 0
        var closed = false
        var plannedFailure: MediaCenterError?
    }

    private let lines = Mutex(Lines())

    /// Makes a panel with every LED off and no button held.
    public init() {}

    /// Lights `led` or turns it off.
    /// - Throws: the failure planned with `failNextCalls(with:)`.
    public func setLED(_ led: PanelLED, lit: Bool) throws {
        try lines.withLock { lines in
            if let failure = lines.plannedFailure { throw failure }
            if lit { lines.lit.insert(led) } else { lines.lit.remove(led) }
            lines.ledWrites += 1
        }
    }

    /// Returns the buttons held with `hold(_:)`.
    /// - Throws: the failure planned with `failNextCalls(with:)`.
    public func pressedButtons() throws -> Set<PanelButton> {
        try lines.withLock { lines in
            if let failure = lines.plannedFailure { throw failure }
            return lines.held
        }
    }

    /// Turns every LED off.
    public func close() {
        lines.withLock { lines in
            lines.lit = []
            lines.closed = true
        }
    }

    /// Holds `button` down until `release(_:)`.
    public func hold(_ button: PanelButton) {
        _ = lines.withLock { $0.held.insert(button) }
    }

    /// Lets go of `button`.
    public func release(_ button: PanelButton) {
        _ = lines.withLock { $0.held.remove(button) }
    }

    /// Returns whether `led` is lit now.
    public func isLit(_ led: PanelLED) -> Bool {
        lines.withLock { $0.lit.contains(led) }
    }

    /// The number of LED writes so far, which shows that unchanged levels are not written
    /// again.
    public var ledWrites: Int {
        lines.withLock { $0.ledWrites }
    }

    /// Whether `close()` was called.
    public var isClosed: Bool {
        lines.withLock { $0.closed }
    }

    /// Makes every later call throw `failure` until it is called again with nil.
    public func failNextCalls(with failure: MediaCenterError?) {
        lines.withLock { $0.plannedFailure = failure }
    }
}
