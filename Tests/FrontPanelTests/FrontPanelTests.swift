import FrontPanel
import MediaCenterCore
import Testing

/// The panel over the simulated hardware, polled by hand on a virtual clock.
@Suite struct FrontPanelTests {
    let hardware = SimulatedPanel()
    let clock = VirtualPanelClock()
    let panel: FrontPanel

    init() {
        panel = FrontPanel(hardware: hardware, clock: clock, timing: PanelTiming())
    }

    /// Polls every 10 ms for `duration` and returns every press.
    func poll(for duration: Duration) -> [ButtonPress] {
        var presses: [ButtonPress] = []
        var elapsed = Duration.zero
        while elapsed < duration {
            presses += panel.poll()
            clock.advance(by: .milliseconds(10))
            elapsed += .milliseconds(10)
        }
        return presses
    }

    @Test func heldCancelGivesLongPress() {
        hardware.hold(.cancel)
        let whileHeld = poll(for: .milliseconds(2100))
        hardware.release(.cancel)
        let afterRelease = poll(for: .milliseconds(100))

        #expect(whileHeld == [ButtonPress(.cancel, long: true)])
        #expect(afterRelease.isEmpty)
    }

    @Test func tappedBurnGivesShortPress() {
        hardware.hold(.burn)
        let whileHeld = poll(for: .milliseconds(200))
        hardware.release(.burn)
        let afterRelease = poll(for: .milliseconds(100))

        #expect(whileHeld.isEmpty)
        #expect(afterRelease == [ButtonPress(.burn)])
    }

    @Test func shownLightsReachHardware() {
        panel.show(PanelLights(ready: .on, busy: .off, error: .on, mediaNeeded: .off))
        panel.poll()

        #expect(hardware.isLit(.ready))
        #expect(!hardware.isLit(.busy))
        #expect(hardware.isLit(.error))
        #expect(!hardware.isLit(.mediaNeeded))
        #expect(panel.lights.error == .on)
    }

    @Test func blinkingLEDFollowsVirtualClock() {
        panel.show(PanelLights(busy: .blinking))
        var levels: [Bool] = []
        for _ in 0..<4 {
            panel.poll()
            levels.append(hardware.isLit(.busy))
            clock.advance(by: .milliseconds(500))
        }

        #expect(levels == [true, false, true, false])
    }

    @Test func unchangedLevelsNotWrittenAgain() {
        panel.show(PanelLights(ready: .on))
        panel.poll()
        let afterFirst = hardware.ledWrites
        _ = poll(for: .seconds(1))

        #expect(afterFirst == PanelLED.allCases.count)
        #expect(hardware.ledWrites == afterFirst)
    }

    @Test func failedWriteRetriedAtNextPoll() {
        hardware.failNextCalls(with: MediaCenterError(.ioFailure, "planned failure"))
        panel.show(PanelLights(ready: .on))
        let presses = panel.poll()
        hardware.failNextCalls(with: nil)
        panel.poll()

        #expect(presses.isEmpty)
        #expect(hardware.isLit(.ready))
    }

    @Test func stopTurnsLEDsOffAndClosesHardware() {
        panel.show(PanelLights(ready: .on, error: .on))
        panel.poll()
        panel.stop()

        #expect(hardware.isClosed)
        #expect(!hardware.isLit(.ready))
        #expect(!hardware.isLit(.error))
    }
}
