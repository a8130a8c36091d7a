import FrontPanel
import Testing

/// The one table from the appliance's state to the four LEDs.
@Suite struct PanelLightsTests {
    /// An activity and the LEDs it shows without an unacknowledged failure: ready, busy,
    /// error, media needed.
    static let table: [(ApplianceActivity, PanelLights)] = [
        (.starting, PanelLights(ready: .blinking)),
        (.noDrive, PanelLights(error: .on)),
        (.mediaNeeded, PanelLights(ready: .on, mediaNeeded: .on)),
        (.burning, PanelLights(ready: .on, busy: .on)),
        (.queued, PanelLights(ready: .on, busy: .blinking)),
        (.receiving, PanelLights(ready: .on, busy: .blinking)),
        (.idle, PanelLights(ready: .on)),
    ]

    @Test func tableCoversEveryActivity() {
        #expect(Self.table.map(\.0) == ApplianceActivity.allCases)
    }

    @Test(arguments: table)
    func activityWithoutFailure(_ activity: ApplianceActivity, _ expected: PanelLights) {
        let lights = PanelLights(for: ApplianceStatus(activity, errorUnacknowledged: false))

        #expect(lights.ready == expected.ready)
        #expect(lights.busy == expected.busy)
        #expect(lights.error == expected.error)
        #expect(lights.mediaNeeded == expected.mediaNeeded)
    }

    @Test(arguments: table)
    func unacknowledgedFailureBlinksErrorLED(
        _ activity: ApplianceActivity, _ expected: PanelLights
    ) {
        let lights = PanelLights(for: ApplianceStatus(activity, errorUnacknowledged: true))

        #expect(lights.ready == expected.ready)
        #expect(lights.busy == expected.busy)
        #expect(lights.mediaNeeded == expected.mediaNeeded)
        // A missing drive keeps its steady error LED; every other state blinks it.
        #expect(lights.error == (activity == .noDrive ? .on : .blinking))
    }

    @Test func ledNamesMatchBoardFiles() {
        #expect(PanelLED.allCases.map(\.name) == ["ready", "busy", "error", "media_needed"])
        #expect(PanelButton.allCases.map(\.name) == ["burn", "eject", "cancel"])
    }
}
