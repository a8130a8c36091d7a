/// An LED on the front panel.
public enum PanelLED: String, Sendable, CaseIterable, Codable, Comparable {
    /// Lit while the appliance accepts images and can burn them.
    case ready
    /// Lit while a disc is written, blinking while work waits.
    case busy
    /// Lit for a fault that persists, blinking for a failure the operator has not
    /// acknowledged yet.
    case error
    /// Lit while the drive needs a blank disc.
    case mediaNeeded = "media_needed"

    /// The name as board files and the console spell it, such as `media_needed`.
    public var name: String { rawValue }

    /// Orders LEDs as they are listed on the panel: ready, busy, error, media needed.
    public static func < (lhs: PanelLED, rhs: PanelLED) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A button on the front panel.
public enum PanelButton: String, Sendable, CaseIterable, Codable {
    /// Finishes every patient that is still receiving, so that its disc is burned now.
    case burn
    /// Ejects the disc from an idle drive.
    case eject
    /// Held down, acknowledges a failure and clears the error LED.
    case cancel

    /// The name as board files and the console spell it.
    public var name: String { rawValue }
}

/// The display state of an LED.
public enum LEDState: String, Sendable, Codable, CaseIterable {
    case off
    case on
    /// On and off in turn, half a `PanelTiming.blinkPeriod` each.
    case blinking
}

/// The state of all four LEDs.
public struct PanelLights: Sendable, Equatable, CustomStringConvertible {
    public var ready: LEDState
    public var busy: LEDState
    public var error: LEDState
    public var mediaNeeded: LEDState

    /// Makes the lights; an LED that is not given is off.
    public init(
        ready: LEDState = .off, busy: LEDState = .off, error: LEDState = .off,
        mediaNeeded: LEDState = .off
    ) {
        self.ready = ready
        self.busy = busy
        self.error = error
        self.mediaNeeded = mediaNeeded
    }

    /// Every LED off.
    public static let dark = PanelLights()

    /// Returns the state of `led`.
    public subscript(led: PanelLED) -> LEDState {
        switch led {
        case .ready: ready
        case .busy: busy
        case .error: error
        case .mediaNeeded: mediaNeeded
        }
    }

    /// The lights as `name=state` pairs in panel order, such as `ready=on busy=off ...`.
    public var description: String {
        PanelLED.allCases.map { "\($0.name)=\(self[$0].rawValue)" }.joined(separator: " ")
    }
}

/// A debounced button press.
public struct ButtonPress: Sendable, Equatable, CustomStringConvertible {
    public var button: PanelButton
    /// Whether the button was held for at least `PanelTiming.longPress`.
    public var long: Bool

    /// Makes a press of `button`.
    public init(_ button: PanelButton, long: Bool = false) {
        self.button = button
        self.long = long
    }

    /// The press as logs show it, such as `cancel (long)`.
    public var description: String { long ? "\(button.name) (long)" : button.name }
}

/// The times that debouncing, long presses and blinking use.
public struct PanelTiming: Sendable, Equatable {
    /// How long a button's level must stay unchanged before the change counts. Contact
    /// bounce of a push button usually settles within 5 to 20 ms.
    public var debounce: Duration
    /// How long a button must be held for a long press.
    public var longPress: Duration
    /// One full on-and-off cycle of a blinking LED.
    public var blinkPeriod: Duration
    /// The time between two reads of the buttons.
    public var pollInterval: Duration

    /// Makes the timing; the defaults suit a hand-pressed push button.
    public init(
        debounce: Duration = .milliseconds(30), longPress: Duration = .seconds(2),
        blinkPeriod: Duration = .seconds(1), pollInterval: Duration = .milliseconds(10)
    ) {
        precondition(debounce >= .zero, "the debounce time must not be negative")
        precondition(longPress > debounce, "a long press must last longer than the debounce")
        precondition(blinkPeriod > .zero, "the blink period must be positive")
        precondition(pollInterval > .zero, "the poll interval must be positive")
        self.debounce = debounce
        self.longPress = longPress
        self.blinkPeriod = blinkPeriod
        self.pollInterval = pollInterval
    }
}
