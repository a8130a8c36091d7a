import Foundation
import FrontPanel
import MediaCenterCore
import Testing

/// Board files: the ones in `board/`, and errors that name the file, line and values.
@Suite struct BoardFileTests {
    static let boardFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("board")

    static let valid = """
        led.ready         gpiochip0   17
        led.busy          gpiochip0   27
        led.error         gpiochip0   22
        led.media_needed  gpiochip0   23
        button.burn       gpiochip0   5
        button.eject      gpiochip0   6
        button.cancel     gpiochip0   13
        """

    /// Parses `text` and returns the error message, or nil when it parses.
    static func parseError(_ text: String) -> String? {
        do {
            _ = try BoardFile(parsing: text, path: "test.conf")
            return nil
        } catch let error as MediaCenterError {
            #expect(error.code == .invalidConfiguration)
            return error.message
        } catch {
            return "unexpected error: \(error)"
        }
    }

    /// `valid` with its line `number` (counted from 1) replaced by `line`.
    static func replacingLine(_ number: Int, with line: String) -> String {
        var lines = valid.split(separator: "\n").map(String.init)
        lines[number - 1] = line
        return lines.joined(separator: "\n")
    }

    @Test(arguments: ["generic.conf", "raspberry-pi-4.conf"])
    func shippedBoardParses(_ name: String) throws {
        let board = try BoardFile.load(path: Self.boardFolder.appendingPathComponent(name).path)

        #expect(board.entries.count == 7)
        #expect(Set(board.entries.map(\.assignment)).count == 7)
        #expect(board.entries.allSatisfy { $0.chip == "gpiochip0" })
    }

    @Test func raspberryPiButtonsAreActiveLowWithPullUp() throws {
        let path = Self.boardFolder.appendingPathComponent("raspberry-pi-4.conf").path
        let board = try BoardFile.load(path: path)
        let cancel = board.entry(for: .button(.cancel))
        let ready = board.entry(for: .led(.ready))

        #expect(cancel.line == 26)
        #expect(cancel.activeLow)
        #expect(cancel.bias == .pullUp)
        #expect(ready.line == 17)
        #expect(!ready.activeLow)
        #expect(ready.bias == nil)
    }

    @Test func commentsAndBlankLinesSkipped() throws {
        let text = "# header\n\n" + Self.valid.replacingOccurrences(of: "13", with: "13 # cancel")
        let board = try BoardFile(parsing: text, path: "test.conf")

        #expect(board.entry(for: .button(.cancel)).line == 13)
        #expect(board.entry(for: .button(.cancel)).fileLine == 9)
    }

    @Test func windowsLineEndingsParse() throws {
        let text = Self.valid.replacingOccurrences(of: "\n", with: "\r\n")
        let board = try BoardFile(parsing: text, path: "test.conf")

        #expect(board.entry(for: .button(.cancel)).line == 13)
        #expect(board.entry(for: .button(.cancel)).fileLine == 7)
    }

    @Test func unknownNameNamesFileLineAndValues() {
        let message = Self.parseError(Self.replacingLine(2, with: "led.bussy gpiochip0 27"))

        #expect(message?.hasPrefix("test.conf:2: unknown name \"led.bussy\"") == true)
        #expect(message?.contains("chip gpiochip0, line 27") == true)
        #expect(message?.contains("led.busy") == true)
    }

    @Test func unknownChipNamesFileLineAndValues() {
        let message = Self.parseError(Self.replacingLine(3, with: "led.error gpio-main 22"))

        #expect(message?.hasPrefix("test.conf:3: led.error has the unknown chip") == true)
        #expect(message?.contains("\"gpio-main\"") == true)
        #expect(message?.contains("line 22") == true)
    }

    @Test(arguments: ["-1", "x", "65536", "1.5", "+4"])
    func invalidLineNamesFileLineAndValues(_ line: String) {
        let message = Self.parseError(Self.replacingLine(5, with: "button.burn gpiochip0 \(line)"))

        #expect(message?.hasPrefix("test.conf:5: button.burn on chip gpiochip0") == true)
        #expect(message?.contains("invalid line \"\(line)\"") == true)
    }

    @Test func devicePathAcceptedAsChip() throws {
        let text = Self.replacingLine(1, with: "led.ready /dev/gpiochip1 17 active-low")
        let board = try BoardFile(parsing: text, path: "test.conf")

        #expect(board.entry(for: .led(.ready)).chip == "/dev/gpiochip1")
        #expect(board.entry(for: .led(.ready)).activeLow)
    }

    @Test func unknownFlagRejected() {
        let message = Self.parseError(
            Self.replacingLine(6, with: "button.eject gpiochip0 6 inverted"))

        #expect(message?.hasPrefix("test.conf:6: button.eject") == true)
        #expect(message?.contains("unknown flag \"inverted\"") == true)
    }

    @Test func biasOnLEDRejected() {
        let message = Self.parseError(Self.replacingLine(1, with: "led.ready gpiochip0 17 pull-up"))

        #expect(message?.hasPrefix("test.conf:1: led.ready") == true)
        #expect(message?.contains("pull-up") == true)
    }

    @Test func repeatedNameNamesBothLines() {
        let message = Self.parseError(Self.valid + "\nled.busy gpiochip0 24")

        #expect(message?.hasPrefix("test.conf:8: led.busy is given a second time") == true)
        #expect(message?.contains("line 2 already gives it") == true)
    }

    @Test func sharedLineNamesBothEntries() {
        let message = Self.parseError(Self.replacingLine(7, with: "button.cancel gpiochip0 5"))

        #expect(message?.hasPrefix("test.conf:7: button.cancel uses chip gpiochip0 line 5") == true)
        #expect(message?.contains("line 5 already gives to button.burn") == true)
    }

    @Test func missingEntriesListed() {
        let text = Self.valid.split(separator: "\n").prefix(5).joined(separator: "\n")
        let message = Self.parseError(text)

        #expect(message?.contains("button.eject, button.cancel") == true)
    }

    @Test func tooFewFieldsRejected() {
        let message = Self.parseError(Self.replacingLine(4, with: "led.media_needed gpiochip0"))

        #expect(message?.hasPrefix("test.conf:4:") == true)
        #expect(message?.contains("NAME CHIP LINE") == true)
    }

    @Test func missingFileNamesPath() {
        #expect(throws: MediaCenterError.self) {
            try BoardFile.load(path: "/nonexistent/board.conf")
        }
        do {
            _ = try BoardFile.load(path: "/nonexistent/board.conf")
        } catch let error as MediaCenterError {
            #expect(error.code == .notFound)
            #expect(error.message.contains("/nonexistent/board.conf"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
