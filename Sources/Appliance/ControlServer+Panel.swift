import ControlProtocol
import FrontPanel

extension ControlServer {
    /// Shows the front panel's LEDs, or presses one of its buttons and then shows them.
    func respondToPanel(_ request: ControlRequest) throws -> ControlResponse {
        guard let panel else {
            return .failure("this daemon has no front panel")
        }
        guard request.command == "press" else {
            return ControlResponse(ok: true, panel: PanelSummary(try panel.refresh()))
        }

        guard let name = request.button, let button = PanelButton(rawValue: name) else {
            let given = request.button.map { "'\($0)'" } ?? "no button"
            return .failure(
                "press needs a button, but \(given) was given; use burn, eject or cancel")
        }
        let outcome = panel.press(ButtonPress(button, long: request.long == true))
        guard outcome.done else { return .failure(outcome.message) }
        return ControlResponse(
            ok: true, panel: PanelSummary(try panel.refresh()), message: outcome.message)
    }
}

extension PanelSummary {
    /// Makes the console's view of a panel snapshot.
    init(_ snapshot: PanelSnapshot) {
        self.init(
            leds: Dictionary(
                uniqueKeysWithValues: PanelLED.allCases.map {
                    ($0.name, snapshot.lights[$0].rawValue)
                }),
            activity: snapshot.status.activity.rawValue,
            errorUnacknowledged: snapshot.status.errorUnacknowledged,
            backend: snapshot.backend)
    }
}
