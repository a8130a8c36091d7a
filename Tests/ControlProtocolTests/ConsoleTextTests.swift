import ControlProtocol
import Testing

@Suite struct ConsoleTextTests {
    @Test func shortTextIsPadded() {
        #expect(ConsoleText.column("abc", 6) == "abc   ")
    }

    @Test func longTextEndsInEllipsis() {
        let cut = ConsoleText.truncate("ABCDEFGHIJ", to: 6)

        #expect(cut == "ABCDE…")
        #expect(ConsoleText.displayWidth(cut) == 6)
    }

    @Test func wideCharactersCountTwice() {
        let name = "山田^太郎"

        #expect(ConsoleText.displayWidth(name) == 9)
        #expect(ConsoleText.displayWidth(ConsoleText.column(name, 6)) == 6)
        #expect(ConsoleText.truncate(name, to: 6) == "山田^…")
        #expect(ConsoleText.truncate(name, to: 5) == "山田…")
    }

    @Test func combiningMarksTakeNoColumn() {
        #expect(ConsoleText.displayWidth("e\u{301}") == 1)
    }

    @Test func controlCharactersAreReplaced() {
        #expect(ConsoleText.printable("A\u{1B}[2J\nB") == "A?[2J?B")
        #expect(ConsoleText.column("A\nB", 4) == "A?B ")
    }

    @Test func wrappedLinesFitWidth() {
        let text = String(repeating: "word ", count: 60) + String(repeating: "x", count: 120)

        let lines = ConsoleText.wrap(text, width: 80, indent: "    ")

        #expect(lines.count > 3)
        for line in lines {
            #expect(ConsoleText.displayWidth(line) <= 80, "\(line)")
        }
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        let xs = lines.joined().filter { $0 == "x" }.count
        #expect(xs == 120)
    }

    @Test func fieldValueWrapsUnderItself() {
        let lines = ConsoleText.field("Queue", String(repeating: "jobs 1, ", count: 20))

        #expect(lines[0].hasPrefix("Queue" + String(repeating: " ", count: 13)))
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: 18)) })
        #expect(lines.allSatisfy { ConsoleText.displayWidth($0) <= 80 })
    }

    @Test func leadingSpacesAreKept() {
        let lines = ConsoleText.wrap(
            "      disc 1 of 1: " + String(repeating: "/x", count: 50),
            indent: "        ")

        #expect(lines[0].hasPrefix("      disc 1"))
        #expect(lines[1].hasPrefix("        /x"))
        #expect(lines.allSatisfy { ConsoleText.displayWidth($0) <= 80 })
    }

    @Test func emptyTextWrapsToOneLine() {
        #expect(ConsoleText.wrap("") == [""])
    }

    @Test func bytesUseBinaryUnits() {
        #expect(ConsoleText.bytes(512) == "512 bytes")
        #expect(ConsoleText.bytes(734_003_200) == "700.0 MiB")
        #expect(ConsoleText.bytes(3 << 30) == "3.0 GiB")
    }

    @Test func durationShowsLargestUnits() {
        #expect(ConsoleText.duration(seconds: 42) == "42s")
        #expect(ConsoleText.duration(seconds: 3 * 3600 + 120) == "3h 2m")
        #expect(ConsoleText.duration(seconds: 2 * 86400 + 3600) == "2d 1h 0m")
    }
}

@Suite struct ConsoleStyleTests {
    @Test func colourOnlyOnCapableTerminal() {
        let terminal = ["TERM": "xterm"]

        #expect(ConsoleStyle.detect(isTerminal: true, environment: terminal).enabled)
        #expect(!ConsoleStyle.detect(isTerminal: false, environment: terminal).enabled)
        #expect(!ConsoleStyle.detect(isTerminal: true, environment: ["TERM": "dumb"]).enabled)
        #expect(!ConsoleStyle.detect(isTerminal: true, environment: [:]).enabled)
        #expect(
            !ConsoleStyle.detect(
                isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]
            ).enabled)
    }

    @Test func disabledStyleLeavesTextAlone() {
        #expect(ConsoleStyle(enabled: false).state("failed") == "failed")
        #expect(ConsoleStyle(enabled: true).state("failed") == "\u{1B}[31mfailed\u{1B}[0m")
    }
}
