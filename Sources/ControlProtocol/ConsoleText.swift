import Foundation

/// Text layout for an 80-column serial console: values received over DICOM are made
/// harmless, columns are cut or padded by display width, and long lines are wrapped.
public enum ConsoleText {
    /// The width of the console in columns.
    public static let width = 80
    /// The mark at the end of a cut value.
    public static let ellipsis = "…"

    /// Replaces control characters with `?`, so that a value received over DICOM cannot
    /// move the cursor, clear the screen or start a new line on the console.
    public static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }
            ))
    }

    /// Returns the columns `text` takes on a terminal: 2 for East Asian wide and full-width
    /// characters, 0 for combining marks, 1 for the others.
    public static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + scalarWidth($1) }
    }

    /// Cuts `text` to at most `width` columns. A cut text ends in `…`.
    public static func truncate(_ text: String, to width: Int) -> String {
        let clean = printable(text)
        guard displayWidth(clean) > width else { return clean }
        guard width > 0 else { return "" }

        var result = ""
        var used = 0
        for character in clean {
            let columns = displayWidth(String(character))
            if used + columns > width - 1 { break }
            result.append(character)
            used += columns
        }
        return result + ellipsis
    }

    /// Cuts or pads `text` with spaces to exactly `width` columns.
    public static func column(_ text: String, _ width: Int) -> String {
        let cut = truncate(text, to: width)
        let padding = max(0, width - displayWidth(cut))
        return cut + String(repeating: " ", count: padding)
    }

    /// Breaks `text` at spaces into lines of at most `width` columns. The first line keeps
    /// the spaces `text` starts with, and the lines after it start with `indent`. A word
    /// longer than a line, such as a long path, is broken into pieces that fill a line
    /// each, so that none of it is lost.
    public static func wrap(_ text: String, width: Int = ConsoleText.width, indent: String = "")
        -> [String]
    {
        let clean = printable(text)
        let leading = String(clean.prefix { $0 == " " })
        var lines: [String] = []
        var current = ""
        var currentWidth = 0
        func room() -> Int {
            max(1, width - displayWidth(lines.isEmpty ? leading : indent))
        }
        func finishLine() {
            lines.append((lines.isEmpty ? leading : indent) + current)
            current = ""
            currentWidth = 0
        }

        for word in clean.split(separator: " ", omittingEmptySubsequences: true) {
            let wordWidth = displayWidth(String(word))
            if !current.isEmpty && currentWidth + 1 + wordWidth > room() {
                finishLine()
            }
            if !current.isEmpty {
                current += " "
                currentWidth += 1
            }
            for character in word {
                let columns = displayWidth(String(character))
                if currentWidth + columns > room() && !current.isEmpty {
                    finishLine()
                }
                current.append(character)
                currentWidth += columns
            }
        }
        if !current.isEmpty || lines.isEmpty {
            finishLine()
        }
        return lines
    }

    /// Formats a `label: value` pair with the value from column `labelWidth` on, wrapped
    /// within the console width under itself.
    public static func field(_ label: String, _ value: String, labelWidth: Int = 18) -> [String] {
        let head = column(label, labelWidth)
        let indent = String(repeating: " ", count: labelWidth)
        let lines = wrap(value, width: width - labelWidth, indent: "")
        return lines.enumerated().map { index, line in (index == 0 ? head : indent) + line }
    }

    /// Formats a byte count with a binary unit, such as `1.5 GiB`.
    public static func bytes(_ count: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) bytes" }
        let tenths = (value * 10).rounded() / 10
        return "\(tenths) \(units[unit])"
    }

    /// Formats a duration in seconds as days, hours, minutes and seconds, such as `2d 3h 4m`.
    public static func duration(seconds: Int) -> String {
        let days = seconds / 86400
        let hours = seconds % 86400 / 3600
        let minutes = seconds % 3600 / 60
        if days > 0 { return "\(days)d \(hours)h \(minutes)m" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    private static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
            0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
            0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

/// Colours for the console, used only when standard output is a terminal that takes them.
public struct ConsoleStyle: Sendable {
    /// An ANSI foreground colour.
    public enum Colour: Int, Sendable {
        case red = 31
        case green = 32
        case yellow = 33
        case bold = 1
    }

    /// Whether text is coloured.
    public let enabled: Bool

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Decides whether to colour: only when standard output is a terminal, `TERM` is set
    /// and not `dumb`, and `NO_COLOR` is unset.
    public static func detect(isTerminal: Bool, environment: [String: String]) -> ConsoleStyle {
        let term = environment["TERM"] ?? ""
        let enabled =
            isTerminal && !term.isEmpty && term != "dumb" && environment["NO_COLOR"] == nil
        return ConsoleStyle(enabled: enabled)
    }

    /// Wraps `text` in the escape sequences of `colour` when colour is enabled.
    public func paint(_ text: String, _ colour: Colour) -> String {
        enabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Colours a job or drive state: failures red, finished work green, work in progress
    /// yellow.
    public func state(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "failed", "fail", "unknown": return paint(text, .red)
        case "done", "pass", "blank": return paint(text, .green)
        case "burning", "verifying", "queued", "in-use": return paint(text, .yellow)
        default: return text
        }
    }
}
