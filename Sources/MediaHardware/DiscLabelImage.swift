/// A disc label laid out for a disc printer: each line of text placed in the printable ring
/// of a 120 mm disc, and the whole rendered as an SVG document in millimetres.
///
/// Lines go above and below the hub, centred, with each line's box kept inside the ring.
/// A line too wide for its place is set in a smaller font, down to `minimumFontSize`, and
/// then cut with an ellipsis. The full text stays in `DiscLabel.lines` for the text label.
/// A line that finds no room in the ring is left out, which the seven lines of a patient
/// label never meet.
public struct DiscLabelImage: Sendable, Equatable {
    /// One line of text as it is placed on the disc.
    public struct PlacedLine: Sendable, Equatable {
        /// The text as printed, shortened with an ellipsis when it did not fit.
        public var text: String
        /// Baseline of the line, in millimetres from the top of the disc.
        public var baseline: Double
        /// Font size in millimetres.
        public var fontSize: Double
        /// Whether the line is set in bold.
        public var bold: Bool
    }

    /// Diameter of the disc in millimetres.
    public static let discDiameter = 120.0
    /// Diameter of the centre hole in millimetres.
    public static let holeDiameter = 15.0
    /// Outer edge of the printable ring, as a radius in millimetres. Disc printers leave
    /// about 1 mm at the rim unprinted.
    public static let printableOuterRadius = 58.0
    /// Inner edge of the printable ring, as a radius in millimetres: the clamping area
    /// around the hole (about 34 mm across on printable media) takes no ink.
    public static let printableInnerRadius = 17.0
    /// The smallest font size in millimetres that a line is shrunk to before it is cut.
    public static let minimumFontSize = 2.4

    /// The lines of the label as placed, top to bottom.
    public let placedLines: [PlacedLine]

    private static let center = discDiameter / 2
    /// Space kept between the text and the edges of the printable ring, in millimetres.
    private static let margin = 1.5
    /// Line height as a multiple of the font size.
    private static let lineHeight = 1.35
    /// Depth below the baseline that descenders reach, as a multiple of the font size.
    private static let descent = 0.25

    /// Lays out `label`: a patient label with its first line (the name) larger and bold, a
    /// reject label with `REJECT` large above the hub and the reason wrapped below it.
    public init(_ label: DiscLabel) {
        switch label.kind {
        case .patient:
            placedLines = Self.layOutPatient(label.lines)
        case .reject:
            placedLines = Self.layOutReject(label.lines)
        }
    }

    // MARK: - Layout

    private struct LineStyle {
        var fontSize: Double
        var bold: Bool
    }

    private static func layOutPatient(_ lines: [String]) -> [PlacedLine] {
        // The name on the first line is larger and bold, the details below it plain.
        let nameStyle = LineStyle(fontSize: 5.5, bold: true)
        let detailStyle = LineStyle(fontSize: 4.2, bold: false)
        let styles = lines.indices.map { $0 == 0 ? nameStyle : detailStyle }
        let aboveCount = (lines.count + 1) / 2
        return placeAbove(Array(zip(lines, styles).prefix(aboveCount)))
            + placeBelow(Array(zip(lines, styles).dropFirst(aboveCount)))
    }

    private static func layOutReject(_ lines: [String]) -> [PlacedLine] {
        let headline = lines.first ?? "REJECT"
        let detail = LineStyle(fontSize: 3.4, bold: false)
        let above = placeAbove([(headline, LineStyle(fontSize: 13, bold: true))])

        // The reason is often a long error message, so it is wrapped into lines that fit
        // the ring below the hub rather than shrunk on one line.
        var below: [PlacedLine] = []
        var cursor = center + printableInnerRadius + margin
        var words = lines.dropFirst().joined(separator: " ").split(separator: " ").map(String.init)
        while !words.isEmpty {
            let baseline = cursor + detail.fontSize
            let width = availableWidth(
                top: baseline - detail.fontSize, bottom: baseline + descent * detail.fontSize)
            guard width > 0 else { break }
            var line = words.removeFirst()
            while let next = words.first,
                textWidth(line + " " + next, fontSize: detail.fontSize) <= width
            {
                line += " " + words.removeFirst()
            }
            let nextBaseline = baseline + lineHeight * detail.fontSize
            let nextBottom = nextBaseline + descent * detail.fontSize
            let isLast = words.isEmpty || availableWidth(
                top: nextBaseline - detail.fontSize, bottom: nextBottom) <= 0
            if isLast && !words.isEmpty {
                line += " " + words.joined(separator: " ")
                words = []
            }
            below.append(fitted(line, style: detail, baseline: baseline, width: width))
            cursor = baseline + (lineHeight - 1) * detail.fontSize
        }
        return above + below
    }

    /// Places lines upwards from the hub, so the last line sits just above it.
    private static func placeAbove(_ lines: [(String, LineStyle)]) -> [PlacedLine] {
        var placed: [PlacedLine] = []
        var baseline = center - printableInnerRadius - margin
        for (text, style) in lines.reversed() {
            baseline -= style.fontSize * descent
            let width = availableWidth(
                top: baseline - style.fontSize, bottom: baseline + descent * style.fontSize)
            if width > 0 {
                placed.insert(fitted(text, style: style, baseline: baseline, width: width), at: 0)
            }
            baseline -= style.fontSize * (lineHeight - descent)
        }
        return placed
    }

    /// Places lines downwards from the hub, so the first line sits just below it.
    private static func placeBelow(_ lines: [(String, LineStyle)]) -> [PlacedLine] {
        var placed: [PlacedLine] = []
        var cursor = center + printableInnerRadius + margin
        for (text, style) in lines {
            let baseline = cursor + style.fontSize
            let width = availableWidth(
                top: baseline - style.fontSize, bottom: baseline + descent * style.fontSize)
            if width > 0 {
                placed.append(fitted(text, style: style, baseline: baseline, width: width))
            }
            cursor = baseline + (lineHeight - 1) * style.fontSize
        }
        return placed
    }

    /// Returns the width in millimetres of a centred line whose box spans `top` to
    /// `bottom`, such that the box stays inside the printable ring, or 0 when no such
    /// line fits. Boxes never straddle the hub, so only the outer edge limits the width.
    static func availableWidth(top: Double, bottom: Double) -> Double {
        let distance = max(abs(top - center), abs(bottom - center))
        let radius = printableOuterRadius - margin
        guard distance < radius else { return 0 }
        return 2 * (radius * radius - distance * distance).squareRoot()
    }

    /// Shrinks `text` to fit `width`, then cuts it with an ellipsis.
    private static func fitted(
        _ text: String, style: LineStyle, baseline: Double, width: Double
    ) -> PlacedLine {
        var fontSize = style.fontSize
        let natural = textWidth(text, fontSize: fontSize)
        if natural > width {
            fontSize = max(minimumFontSize, fontSize * width / natural)
        }
        var printed = text
        if textWidth(printed, fontSize: fontSize) > width {
            var characters = Array(text)
            while !characters.isEmpty,
                textWidth(String(characters) + "…", fontSize: fontSize) > width
            {
                characters.removeLast()
            }
            printed = String(characters) + "…"
        }
        return PlacedLine(
            text: printed, baseline: rounded(baseline), fontSize: rounded(fontSize),
            bold: style.bold)
    }

    /// Estimates the printed width of `text` in millimetres. NOTE: an estimate from
    /// average advance widths (0.62 em for most characters, 1 em for CJK and other wide
    /// ones), because the printer's fonts are not known here. Bold text may run a few
    /// percent wider.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        let ems = text.unicodeScalars.reduce(0.0) { sum, scalar in
            sum + (isWide(scalar) ? 1.0 : 0.62)
        }
        return ems * fontSize
    }

    /// Returns whether `scalar` is East Asian wide or full width, such as kanji, kana and
    /// hangul.
    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
            0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
            0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    private static func rounded(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }
}

// MARK: - SVG

extension DiscLabelImage {
    /// Fonts in order of preference: DejaVu Sans covers Latin, Greek and Cyrillic, and
    /// Noto Sans CJK covers Chinese, Japanese and Korean.
    static let fontFamily = "DejaVu Sans, Noto Sans CJK JP, sans-serif"

    /// Renders the label as a UTF-8 SVG document of 120 by 120 mm. The disc's outline and
    /// its hole are drawn as hairlines for preview, and every text is XML-escaped.
    public func svgDocument() -> String {
        let center = Self.center
        let outer = Self.discDiameter / 2
        let hole = Self.holeDiameter / 2
        var document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.discDiameter)mm" \
            height="\(Self.discDiameter)mm" viewBox="0 0 \(Self.discDiameter) \
            \(Self.discDiameter)">
            <circle cx="\(center)" cy="\(center)" r="\(outer)" fill="#ffffff" \
            stroke="#808080" stroke-width="0.2"/>
            <circle cx="\(center)" cy="\(center)" r="\(hole)" fill="none" \
            stroke="#808080" stroke-width="0.2"/>
            <g font-family="\(Self.escaped(Self.fontFamily))" text-anchor="middle" \
            fill="#000000">

            """
        for line in placedLines {
            let weight = line.bold ? " font-weight=\"bold\"" : ""
            document += "<text x=\"\(center)\" y=\"\(line.baseline)\" "
                + "font-size=\"\(line.fontSize)\"\(weight)>\(Self.escaped(line.text))</text>\n"
        }
        document += "</g>\n</svg>\n"
        return document
    }

    /// Escapes `text` for XML content and attribute values. Characters that XML 1.0 does
    /// not allow at all, such as most C0 controls and unpaired surrogates, become U+FFFD,
    /// so that any name still gives a well-formed document.
    public static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = (0x20...0xD7FF).contains(value)
                    || (0xE000...0xFFFD).contains(value) || value >= 0x10000
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
