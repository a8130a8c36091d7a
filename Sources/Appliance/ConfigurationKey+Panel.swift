/// The front panel's backend, as the key `panel` sets it.
public enum PanelBackend: String, Sendable, CaseIterable {
    /// LEDs and buttons kept in memory, which `mediacenterctl panel` and `press` use.
    case simulated
    /// LEDs and buttons on GPIO lines through libgpiod, as `panel_board` maps them.
    case gpio
}

/// The daemon's reaction when `panel = gpio` cannot open its GPIO chip or lines, as the
/// key `panel_fallback` sets it.
public enum PanelFallback: String, Sendable, CaseIterable {
    /// Log a warning and use the simulated panel.
    case simulated
    /// Stop the daemon with the error.
    case none
}

extension ConfigurationKey {
    static let panel = oneOf(
        name: "panel", option: "--panel", placeholder: "BACKEND",
        summary: "front panel backend: simulated keeps the LEDs and buttons in memory for "
            + "mediacenterctl panel and press, gpio drives the lines of panel_board through "
            + "libgpiod",
        \.panel)

    static let panelBoard = ConfigurationKey(
        name: "panel_board", option: "--panel-board", aliases: [], placeholder: "FILE",
        summary: "board file that maps the front panel's LEDs and buttons to GPIO chips and "
            + "lines, such as a copy of board/raspberry-pi-4.conf; needed for panel = gpio, "
            + "and a relative path starts at the daemon's working directory",
        allowed: "empty, or a file path without control characters", inEffect: true,
        apply: { text, configuration in
            guard
                !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw InvalidValue(reason: "the path contains a control character")
            }
            configuration.panelBoard = text
        },
        format: { $0.panelBoard })

    static let panelFallback = oneOf(
        name: "panel_fallback", option: "--panel-fallback", placeholder: "MODE",
        summary: "what happens when panel = gpio cannot open a GPIO chip or line: simulated "
            + "logs a warning and uses the simulated panel, none stops the daemon; a board "
            + "file with an error always stops it",
        \.panelFallback)
}
