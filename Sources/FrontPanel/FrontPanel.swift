import Foundation
import MediaCenterCore
import Synchronization

/// The front panel: shows LED states on a ``PanelHardware`` and turns its raw button levels
/// into debounced presses, on a thread of its own.
///
/// Each poll reads the buttons once, feeds every button's ``ButtonDebouncer`` and writes
/// the LEDs whose level changed, blinking ones included. Tests call ``poll()`` with a
/// ``VirtualPanelClock`` in place of the thread.
public final class FrontPanel: Sendable {
    /// The hardware behind the panel.
    public let hardware: any PanelHardware
    /// The times for debouncing, long presses, blinking and polling.
    public let timing: PanelTiming
    private let clock: any PanelClock
    private let logger: Logger

    private struct State {
        var lights = PanelLights.dark
        var debouncers: [ButtonDebouncer]
        /// The level last written to each LED; a missing LED is written at the next poll.
        var written: [PanelLED: Bool] = [:]
        /// Failed button reads and failed LED writes in a row, counted apart so that a
        /// broken line is logged once and then every 1000 failures, not at every poll.
        var readFailures = 0
        var writeFailures = 0
    }

    private struct Control {
        var running = false
        var stopRequested = false
    }

    private let state: Mutex<State>
    private let control = Mutex(Control())
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes a panel over `hardware` with every LED off.
    public init(
        hardware: any PanelHardware, clock: any PanelClock = SystemPanelClock(),
        timing: PanelTiming = PanelTiming(), logger: Logger = Logger(label: "panel")
    ) {
        self.hardware = hardware
        self.clock = clock
        self.timing = timing
        self.logger = logger
        let debouncers = PanelButton.allCases.map { ButtonDebouncer(button: $0, timing: timing) }
        state = Mutex(State(debouncers: debouncers))
    }

    /// The state each LED shows now.
    public var lights: PanelLights {
        state.withLock { $0.lights }
    }

    /// Sets what the LEDs show; the next poll writes them to the hardware.
    public func show(_ lights: PanelLights) {
        state.withLock { $0.lights = lights }
    }

    /// Reads the buttons, debounces them and writes the LEDs once.
    /// - Returns: the presses this poll completed, in the order of `PanelButton.allCases`.
    @discardableResult
    public func poll() -> [ButtonPress] {
        let now = clock.now()
        let pressed: Set<PanelButton>
        do {
            pressed = try hardware.pressedButtons()
            state.withLock { $0.readFailures = 0 }
        } catch {
            reportReadFailure(error)
            pressed = []
        }

        return state.withLock { state in
            var presses: [ButtonPress] = []
            for index in state.debouncers.indices {
                let button = state.debouncers[index].button
                if let press = state.debouncers[index].sample(
                    down: pressed.contains(button), at: now)
                {
                    presses.append(press)
                }
            }
            writeLEDs(&state, at: now)
            return presses
        }
    }

    /// Starts polling every `timing.pollInterval` on a thread of its own, and calls
    /// `onPress` on that thread for each press.
    public func start(onPress: @escaping @Sendable (ButtonPress) -> Void) {
        let alreadyRunning = control.withLock { control in
            defer { control.running = true }
            return control.running
        }
        guard !alreadyRunning else { return }

        let interval = timing.pollInterval.nanoseconds
        let thread = Thread { [self] in
            while !control.withLock({ $0.stopRequested }) {
                for press in poll() {
                    logger.debug("button pressed: \(press)", ["panel.button": press.button.name])
                    onPress(press)
                }
                var pause = timespec(
                    tv_sec: Int(interval / 1_000_000_000), tv_nsec: Int(interval % 1_000_000_000))
                nanosleep(&pause, nil)
            }
            stopped.signal()
        }
        thread.name = "front-panel"
        thread.start()
    }

    /// Stops polling, waits for the thread to end, then turns the LEDs off and releases the
    /// hardware.
    public func stop() {
        let wasRunning = control.withLock { control in
            control.stopRequested = true
            return control.running
        }
        if wasRunning { stopped.wait() }
        hardware.close()
    }

    /// Writes each LED whose level at `now` differs from the level last written.
    private func writeLEDs(_ state: inout State, at now: Duration) {
        for led in PanelLED.allCases {
            let lit = LEDPhase.isLit(state.lights[led], at: now, blinkPeriod: timing.blinkPeriod)
            guard state.written[led] != lit else { continue }
            do {
                try hardware.setLED(led, lit: lit)
                state.written[led] = lit
                state.writeFailures = 0
            } catch {
                state.written[led] = nil
                state.writeFailures += 1
                if state.writeFailures == 1 || state.writeFailures.isMultiple(of: 1000) {
                    logger.error(
                        "the panel's LED \(led.name) cannot be set (\(state.writeFailures) "
                            + "failures in a row): \(error)")
                }
            }
        }
    }

    private func reportReadFailure(_ error: any Error) {
        let failures = state.withLock { state in
            state.readFailures += 1
            return state.readFailures
        }
        if failures == 1 || failures.isMultiple(of: 1000) {
            logger.error(
                "the panel's buttons cannot be read (\(failures) failures in a row): \(error)")
        }
    }
}
