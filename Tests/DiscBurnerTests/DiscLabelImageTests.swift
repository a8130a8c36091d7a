import DiscBurner
import Foundation
@testable import MediaHardware
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the text of every `text` element of an SVG document.
private final class TextCollector: NSObject, XMLParserDelegate {
    var texts: [String] = []
    private var current: String?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        if elementName == "text" { current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        current? += string
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName: String?
    ) {
        if elementName == "text", let current {
            texts.append(current)
            self.current = nil
        }
    }
}

/// Parses `document` and returns the text of its `text` elements, or nil when it is not
/// well-formed XML.
private func parsedTexts(_ document: String) -> [String]? {
    let collector = TextCollector()
    let parser = XMLParser(data: Data(document.utf8))
    parser.delegate = collector
    return parser.parse() ? collector.texts : nil
}

@Suite struct DiscLabelImageTests {
    static let center = DiscLabelImage.discDiameter / 2

    /// Checks that the box of each placed line lies in the printable ring and that its
    /// estimated width fits the ring at that height.
    func expectInsideRing(_ image: DiscLabelImage) {
        for line in image.placedLines {
            let top = line.baseline - line.fontSize
            let bottom = line.baseline + 0.25 * line.fontSize
            let clearOfHub =
                bottom <= Self.center - DiscLabelImage.printableInnerRadius
                || top >= Self.center + DiscLabelImage.printableInnerRadius
            #expect(clearOfHub, "\(line) overlaps the hub")
            let width = DiscLabelImage.textWidth(line.text, fontSize: line.fontSize)
            let available = DiscLabelImage.availableWidth(top: top, bottom: bottom)
            #expect(width <= available + 0.01, "\(line) is wider than the ring there")
            #expect(line.fontSize >= DiscLabelImage.minimumFontSize)
        }
    }

    @Test func escapesMarkupCharacters() {
        #expect(DiscLabelImage.escaped("a<b&c") == "a&lt;b&amp;c")
        #expect(
            DiscLabelImage.escaped("\"quoted\" 'name'") == "&quot;quoted&quot; &apos;name&apos;")
        #expect(DiscLabelImage.escaped("x>y") == "x&gt;y")
        #expect(DiscLabelImage.escaped("../*/name") == "../*/name")
    }

    @Test func replacesCharactersXMLForbids() {
        #expect(DiscLabelImage.escaped("a\u{0}b\u{1B}c") == "a\u{FFFD}b\u{FFFD}c")
        #expect(DiscLabelImage.escaped("\u{FFFE}") == "\u{FFFD}")
        #expect(DiscLabelImage.escaped("山田") == "山田")
    }

    @Test func patientLabelIsWellFormedSVG() throws {
        let lines = [
            "<script>alert(1)</script> & \"Co\" 'x'", "ID ../../etc/*", "Born 1970-01-31",
            "Study 2024-05-06", "CT, MR", "St. Mary's & <General>", "Disc 1 of 1",
        ]
        let document = DiscLabelImage(DiscLabel(lines: lines)).svgDocument()

        #expect(document.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "))
        #expect(!document.contains("<script>"))
        let texts = try #require(parsedTexts(document))
        #expect(texts == lines)
    }

    @Test func patientLabelDrawsDiscAndHole() {
        let document = DiscLabelImage(DiscLabel(lines: ["Name", "Disc 1 of 1"])).svgDocument()

        #expect(document.contains("viewBox=\"0 0 120.0 120.0\""))
        #expect(document.contains("r=\"60.0\""))
        #expect(document.contains("r=\"7.5\""))
    }

    @Test func patientLinesStayInPrintableRing() {
        let lines = [
            "Suzuki, Hanako = 鈴木, 花子 = すずき, はなこ", "ID 12345", "Born 1970-01-31",
            "Studies 2024-05-06, 2024-05-07", "CT, MR, PT", "General Hospital", "Disc 2 of 3",
        ]
        let image = DiscLabelImage(DiscLabel(lines: lines))

        #expect(image.placedLines.map(\.text) == lines)
        #expect(image.placedLines.first?.bold == true)
        let baselines = image.placedLines.map(\.baseline)
        #expect(baselines == baselines.sorted())
        expectInsideRing(image)
    }

    @Test func longNameShrinksThenIsCut() throws {
        let long = String(repeating: "Wolfeschlegelsteinhausen", count: 6)
        let image = DiscLabelImage(DiscLabel(lines: [long, "ID 1", "Disc 1 of 1"]))

        let name = try #require(image.placedLines.first)
        #expect(name.fontSize == DiscLabelImage.minimumFontSize)
        #expect(name.text.hasSuffix("…"))
        #expect(long.hasPrefix(String(name.text.dropLast())))
        expectInsideRing(image)
    }

    @Test func rejectLabelHasLargeHeadlineAndWrappedReason() throws {
        let reason = "the read-back failed: " + String(repeating: "sector unreadable ", count: 12)
        let image = DiscLabelImage(.reject(reason: reason))

        let headline = try #require(image.placedLines.first)
        #expect(headline.text == "REJECT")
        #expect(headline.bold)
        #expect(headline.fontSize >= 10)
        let rest = image.placedLines.dropFirst()
        #expect(rest.count > 1)
        #expect(rest.allSatisfy { $0.fontSize < headline.fontSize })
        #expect(rest.first?.text.hasPrefix("the read-back failed:") == true)
        expectInsideRing(image)
    }

    @Test func rejectLabelIsWellFormedSVG() throws {
        let document = DiscLabelImage(.reject(reason: "wrong media <CD-RW> & \"DVD\""))
            .svgDocument()

        let texts = try #require(parsedTexts(document))
        #expect(texts == ["REJECT", "wrong media <CD-RW> & \"DVD\""])
    }
}

extension DiscBurnerTests.SimulatedChangerTests {
    @Test func labelImageIsWrittenNextToImage() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let changer = try changer(workspace)

        try changer.loadFromInput(into: "virtual0")
        try changer.printLabel(
            DiscLabel(lines: ["../*/A&B", "ID /tmp/x", "Disc 1 of 1"]), onDiscIn: "virtual0")

        let folder = workspace.driveFolder
        let svg = try String(
            contentsOfFile: folder + "/DISC0001.iso" + SimulatedChanger.imageLabelSuffix,
            encoding: .utf8)
        let texts = try #require(parsedTexts(svg))
        #expect(texts == ["../*/A&B", "ID /tmp/x", "Disc 1 of 1"])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.contains("label") }.sorted()
        #expect(names == ["DISC0001.iso.label.svg", "DISC0001.iso.label.txt"])
    }
}
