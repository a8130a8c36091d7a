import FrontPanel
import MediaCenterCore
import Synchronization

/// A front panel on GPIO lines through libgpiod, wired as a ``BoardFile`` maps it. Each LED
/// is an output line and each button an input line. The kernel inverts active-low lines,
/// so a lit LED and a pressed button both read as true.
public final class GpioPanel: PanelHardware {
    public let backendName = "gpio"
    /// The consumer name the kernel shows for the requested lines, as `gpioinfo` lists it.
    static let consumer = "mediacenterd"

    private struct Handles {
        var chips: [GpioChip]
        var leds: [PanelLED: GpioLine]
        var buttons: [PanelButton: GpioLine]
    }

    private let handles: Mutex<Handles?>

    /// Opens every chip the board names and requests its lines, with every LED off.
    /// - Throws: `MediaCenterError` with `.notFound` and "GPIO chip not found" for a chip
    ///   that does not exist, and `.invalidConfiguration` or `.ioFailure` for a line that
    ///   the chip lacks or that another program holds. Nothing stays open after a failure.
    public init(board: BoardFile) throws {
        var chips: [String: GpioChip] = [:]
        var leds: [PanelLED: GpioLine] = [:]
        var buttons: [PanelButton: GpioLine] = [:]
        do {
            for entry in board.entries {
                let place = "\(board.path):\(entry.fileLine)"
                let chip = try chips[entry.chip] ?? GpioChip(name: entry.chip, place: place)
                chips[entry.chip] = chip
                guard entry.line < chip.lineCount else {
                    throw MediaCenterError(
                        .invalidConfiguration,
                        "\(place): \(entry.assignment.name) uses line \(entry.line) of GPIO "
                            + "chip \(entry.chip), which has lines 0 to "
                            + "\(Int(chip.lineCount) - 1); correct the line in the board file")
                }
                switch entry.assignment {
                case .led(let led):
                    leds[led] = try chip.request(
                        line: entry.line, output: true, activeLow: entry.activeLow, bias: nil,
                        place: place, label: entry.assignment.name)
                case .button(let button):
                    buttons[button] = try chip.request(
                        line: entry.line, output: false, activeLow: entry.activeLow,
                        bias: entry.bias.map { GpioChip.biasFlag(up: $0 == .pullUp) },
                        place: place, label: entry.assignment.name)
                }
            }
        } catch {
            for chip in chips.values { chip.close() }
            throw error
        }
        handles = Mutex(Handles(chips: Array(chips.values), leds: leds, buttons: buttons))
    }

    /// Sets the LED's line.
    /// - Throws: `MediaCenterError` with `.ioFailure` when the line cannot be set or the
    ///   panel is closed.
    public func setLED(_ led: PanelLED, lit: Bool) throws {
        try handles.withLock { handles in
            guard let line = handles?.leds[led] else { throw Self.closedError }
            try line.set(lit)
        }
    }

    /// Reads every button's line.
    public func pressedButtons() throws -> Set<PanelButton> {
        try handles.withLock { handles in
            guard let handles else { throw Self.closedError }
            var pressed: Set<PanelButton> = []
            for (button, line) in handles.buttons where try line.get() {
                pressed.insert(button)
            }
            return pressed
        }
    }

    /// Turns every LED off, then releases the lines and closes the chips.
    public func close() {
        let closing = handles.withLock { handles -> Handles? in
            defer { handles = nil }
            return handles
        }
        guard let closing else { return }
        for line in closing.leds.values { try? line.set(false) }
        for chip in closing.chips { chip.close() }
    }

    private static let closedError = MediaCenterError(
        .ioFailure, "the GPIO panel is closed; this is a bug in the caller")
}
