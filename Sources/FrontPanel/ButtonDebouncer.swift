/// Turns the raw, bouncing level of one button into presses.
///
/// A change of level counts once it has lasted `timing.debounce`, and the press is timed
/// from the first sample of the new level. A press held for `timing.longPress` is reported
/// as long at that moment, while the button is still down, so the operator knows when to
/// let go. Its release reports nothing more. A shorter press is reported when the button
/// is released.
public struct ButtonDebouncer: Sendable {
    /// The state of the button after debouncing.
    private enum State: Sendable, Equatable {
        /// Up, as the last settled level showed.
        case released
        /// Down since `since`, and not held long enough for a long press yet.
        case pressed(since: Duration)
        /// Down, and already reported as a long press.
        case heldLong
    }

    /// The button this debouncer watches.
    public let button: PanelButton
    private let timing: PanelTiming
    private var state = State.released
    /// The level of the last sample, and when that level was first seen.
    private var rawLevel = false
    private var rawSince = Duration.zero

    /// Makes a debouncer for `button` that starts with the button up.
    public init(button: PanelButton, timing: PanelTiming) {
        self.button = button
        self.timing = timing
    }

    /// Whether the button is down after debouncing.
    public var isPressed: Bool { state != .released }

    /// Takes one sample of the button's level at time `now`.
    /// - Parameters:
    ///   - down: whether the button is held down in this sample.
    ///   - now: the time of the sample. Samples must come in time order.
    /// - Returns: the press this sample completes, or nil.
    public mutating func sample(down: Bool, at now: Duration) -> ButtonPress? {
        if down != rawLevel {
            rawLevel = down
            rawSince = now
        }
        let settled = now - rawSince >= timing.debounce

        switch state {
        case .released:
            guard settled, rawLevel else { return nil }
            state = .pressed(since: rawSince)
            return longPressIfDue(pressedAt: rawSince, now: now)
        case .pressed(let since):
            if settled && !rawLevel {
                state = .released
                return ButtonPress(button, long: false)
            }
            // A release still settling ends the press at its first sample, so it does not
            // grow into a long press meanwhile.
            guard rawLevel else { return nil }
            return longPressIfDue(pressedAt: since, now: now)
        case .heldLong:
            if settled && !rawLevel { state = .released }
            return nil
        }
    }

    private mutating func longPressIfDue(pressedAt: Duration, now: Duration) -> ButtonPress? {
        guard now - pressedAt >= timing.longPress else { return nil }
        state = .heldLong
        return ButtonPress(button, long: true)
    }
}

/// Drives the LEDs from their states: an LED that is `blinking` is lit in the first half of
/// each `blinkPeriod`, counted from time zero, so all blinking LEDs flash together.
public enum LEDPhase {
    /// Returns whether an LED in `state` is lit at time `now`.
    public static func isLit(_ state: LEDState, at now: Duration, blinkPeriod: Duration) -> Bool {
        switch state {
        case .off:
            return false
        case .on:
            return true
        case .blinking:
            let period = blinkPeriod.nanoseconds
            let position = now.nanoseconds % period
            return position < period / 2
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating beyond about 292 years.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled + attoseconds / 1_000_000_000
    }
}
