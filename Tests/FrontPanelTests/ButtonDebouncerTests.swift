import FrontPanel
import Testing

/// Debouncing and long presses of one button, sample by sample on a virtual time line.
@Suite struct ButtonDebouncerTests {
    static let timing = PanelTiming(
        debounce: .milliseconds(30), longPress: .seconds(2), blinkPeriod: .seconds(1),
        pollInterval: .milliseconds(10))

    /// Feeds `levels` one sample every 10 ms from time zero and returns each press with the
    /// time of the sample that completed it.
    static func run(
        _ levels: [Bool], button: PanelButton = .burn
    ) -> [(press: ButtonPress, at: Duration)] {
        var debouncer = ButtonDebouncer(button: button, timing: timing)
        var presses: [(ButtonPress, Duration)] = []
        for (index, down) in levels.enumerated() {
            let now = Duration.milliseconds(10 * index)
            if let press = debouncer.sample(down: down, at: now) { presses.append((press, now)) }
        }
        return presses
    }

    static func samples(_ parts: (Bool, Int)...) -> [Bool] {
        parts.flatMap { Array(repeating: $0.0, count: $0.1) }
    }

    @Test func shortPressReportedOnRelease() {
        let presses = Self.run(Self.samples((false, 5), (true, 20), (false, 10)))

        #expect(presses.count == 1)
        #expect(presses.first?.press == ButtonPress(.burn, long: false))
        // Released at 250 ms; the release counts once it lasted 30 ms.
        #expect(presses.first?.at == .milliseconds(280))
    }

    @Test func bounceShorterThanDebounceIgnored() {
        let presses = Self.run(
            Self.samples((false, 3), (true, 2), (false, 2), (true, 1), (false, 20)))

        #expect(presses.isEmpty)
    }

    @Test func bouncingContactsGiveOnePress() {
        let levels = Self.samples(
            (false, 2), (true, 1), (false, 1), (true, 1), (false, 1), (true, 30),
            (false, 1), (true, 1), (false, 10))

        let presses = Self.run(levels)

        #expect(presses.count == 1)
        #expect(presses.first?.press.long == false)
    }

    @Test func longPressReportedWhileHeld() {
        let presses = Self.run(Self.samples((true, 250), (false, 10)), button: .cancel)

        #expect(presses.count == 1)
        #expect(presses.first?.press == ButtonPress(.cancel, long: true))
        // Timed from the first sample of the press, so 2 s after time zero.
        #expect(presses.first?.at == .seconds(2))
    }

    @Test func pressJustShortOfLongIsShort() {
        let presses = Self.run(Self.samples((true, 199), (false, 10)), button: .cancel)

        #expect(presses.count == 1)
        #expect(presses.first?.press == ButtonPress(.cancel, long: false))
    }

    @Test func releaseAfterLongPressReportsNothing() {
        let presses = Self.run(
            Self.samples((true, 300), (false, 10), (true, 10), (false, 10)), button: .cancel)

        #expect(presses.map(\.press) == [ButtonPress(.cancel, long: true), ButtonPress(.cancel)])
    }

    @Test func blinkingLitInFirstHalfOfPeriod() {
        let period = Duration.seconds(1)

        #expect(LEDPhase.isLit(.blinking, at: .zero, blinkPeriod: period))
        #expect(LEDPhase.isLit(.blinking, at: .milliseconds(499), blinkPeriod: period))
        #expect(!LEDPhase.isLit(.blinking, at: .milliseconds(500), blinkPeriod: period))
        #expect(!LEDPhase.isLit(.blinking, at: .milliseconds(999), blinkPeriod: period))
        #expect(LEDPhase.isLit(.blinking, at: .seconds(7), blinkPeriod: period))
        #expect(LEDPhase.isLit(.on, at: .milliseconds(700), blinkPeriod: period))
        #expect(!LEDPhase.isLit(.off, at: .zero, blinkPeriod: period))
    }
}
