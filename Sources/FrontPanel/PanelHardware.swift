/// The LEDs and buttons of a front panel, without any timing: it sets lines and reads
/// them. ``FrontPanel`` adds debouncing, long presses and blinking on top.
///
/// Every method may block briefly on a system call, so callers run them on a thread of
/// their own, never on the cooperative pool.
public protocol PanelHardware: AnyObject, Sendable {
    /// A name for logs and the console, such as `simulated` or `gpio`.
    var backendName: String { get }

    /// Lights `led` or turns it off. The backend inverts an active-low line, so `lit`
    /// is the LED's visible state.
    func setLED(_ led: PanelLED, lit: Bool) throws

    /// Reads the buttons that are held down now, before any debouncing.
    func pressedButtons() throws -> Set<PanelButton>

    /// Turns every LED off and releases the lines. Later calls do nothing.
    func close()
}
