import Foundation
import MediaCenterCore

/// A board file: which GPIO chip and line each LED and button of the front panel is
/// wired to.
///
/// Each line is `name chip line [flag...]`, and `#` starts a comment. The names are
/// `led.ready`, `led.busy`, `led.error`, `led.media_needed`, `button.burn`,
/// `button.eject` and `button.cancel`, and each must be given once. The chip is a name
/// such as `gpiochip0` or a path such as `/dev/gpiochip0`, and the line is the offset on
/// that chip. The flags are `active-low` (the line is low when the LED is lit or the
/// button is down), `pull-up` and `pull-down` (the bias of a button's input line).
public struct BoardFile: Sendable, Equatable {
    /// The file the board was read from, named in error messages.
    public var path: String
    /// The assignments in the order of the file.
    public var entries: [BoardEntry]

    /// The highest line offset a board file may give, a bound that catches typing errors.
    /// Opening the chip then checks the offset against the chip's own line count.
    public static let maxLineOffset: UInt32 = 65535

    /// Reads and checks the board file at `path`.
    /// - Throws: `MediaCenterError` with `.notFound` when the file cannot be read, and
    ///   `.invalidConfiguration` naming the file, the line number and the values for an
    ///   entry that is wrong, repeated or missing.
    public static func load(path: String) throws -> BoardFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MediaCenterError(
                .notFound,
                "cannot read the board file \(path); check panel_board (--panel-board)",
                cause: error.localizedDescription)
        }
        return try BoardFile(parsing: text, path: path)
    }

    /// Parses the text of a board file.
    /// - Parameter path: the file's path, named in error messages.
    public init(parsing text: String, path: String) throws {
        self.path = path
        var entries: [BoardEntry] = []
        // Swift reads CR LF as one newline character, so files written on Windows work too.
        for (index, raw) in text.split(
            omittingEmptySubsequences: false, whereSeparator: \.isNewline
        )
        .enumerated() {
            let content =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                .first ?? ""
            let fields = content.split(whereSeparator: \.isWhitespace).map(String.init)
            guard !fields.isEmpty else { continue }
            let entry = try Self.parseEntry(fields, at: "\(path):\(index + 1)", line: index + 1)
            try Self.checkUnique(entry, against: entries, path: path)
            entries.append(entry)
        }

        let given = Set(entries.map(\.assignment))
        let missing = BoardAssignment.allCases.filter { !given.contains($0) }
        guard missing.isEmpty else {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(path): no line is given for "
                    + missing.map(\.name).joined(separator: ", ")
                    + "; add a line 'NAME CHIP LINE' for each")
        }
        self.entries = entries
    }

    /// Returns the entry for `assignment`; every assignment has one once parsing succeeded.
    public func entry(for assignment: BoardAssignment) -> BoardEntry {
        entries.first { $0.assignment == assignment }!
    }

    private static func parseEntry(
        _ fields: [String], at place: String, line: Int
    ) throws -> BoardEntry {
        guard fields.count >= 3 else {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): \"\(fields.joined(separator: " "))\" has \(fields.count) of the 3 "
                    + "fields NAME CHIP LINE; write for example 'led.ready gpiochip0 17'")
        }
        let (name, chip, offsetText) = (fields[0], fields[1], fields[2])
        guard let assignment = BoardAssignment(name: name) else {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): unknown name \"\(name)\" (chip \(chip), line \(offsetText)); "
                    + "expected one of "
                    + BoardAssignment.allCases.map(\.name).joined(separator: ", "))
        }
        guard isChipName(chip) else {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): \(name) has the unknown chip \"\(chip)\" (line \(offsetText)); "
                    + "expected a chip name such as gpiochip0 or a path such as /dev/gpiochip0")
        }
        let digitsOnly = offsetText.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        guard digitsOnly, let offset = UInt32(offsetText), offset <= maxLineOffset else {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): \(name) on chip \(chip) has the invalid line \"\(offsetText)\"; "
                    + "expected a line offset from 0 to \(maxLineOffset)")
        }

        var entry = BoardEntry(assignment: assignment, chip: chip, line: offset, fileLine: line)
        for flag in fields.dropFirst(3) {
            switch flag {
            case "active-low":
                entry.activeLow = true
            case "pull-up", "pull-down":
                guard case .button = assignment else {
                    throw MediaCenterError(
                        .invalidConfiguration,
                        "\(place): \(name) (chip \(chip), line \(offset)) is an LED, so the "
                            + "input bias \(flag) does not apply; remove it")
                }
                guard entry.bias == nil else {
                    throw MediaCenterError(
                        .invalidConfiguration,
                        "\(place): \(name) (chip \(chip), line \(offset)) has two biases; "
                            + "keep one of pull-up and pull-down")
                }
                entry.bias = flag == "pull-up" ? .pullUp : .pullDown
            default:
                throw MediaCenterError(
                    .invalidConfiguration,
                    "\(place): \(name) (chip \(chip), line \(offset)) has the unknown flag "
                        + "\"\(flag)\"; expected active-low, pull-up or pull-down")
            }
        }
        return entry
    }

    private static func checkUnique(
        _ entry: BoardEntry, against earlier: [BoardEntry], path: String
    ) throws {
        let place = "\(path):\(entry.fileLine)"
        if let twin = earlier.first(where: { $0.assignment == entry.assignment }) {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): \(entry.assignment.name) is given a second time (chip \(entry.chip), "
                    + "line \(entry.line)); line \(twin.fileLine) already gives it, so keep one")
        }
        if let twin = earlier.first(where: { $0.chip == entry.chip && $0.line == entry.line }) {
            throw MediaCenterError(
                .invalidConfiguration,
                "\(place): \(entry.assignment.name) uses chip \(entry.chip) line \(entry.line), "
                    + "which line \(twin.fileLine) already gives to \(twin.assignment.name); "
                    + "give each LED and button a line of its own")
        }
    }

    /// Accepts `gpiochipN` and `/dev/gpiochipN`, the names the kernel gives GPIO chips.
    private static func isChipName(_ chip: String) -> Bool {
        let name = chip.hasPrefix("/dev/") ? String(chip.dropFirst(5)) : chip
        guard name.hasPrefix("gpiochip") else { return false }
        let number = name.dropFirst("gpiochip".count)
        return !number.isEmpty && number.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

/// A name in a board file: one LED or one button.
public enum BoardAssignment: Sendable, Hashable, CaseIterable {
    case led(PanelLED)
    case button(PanelButton)

    public static let allCases: [BoardAssignment] =
        PanelLED.allCases.map { .led($0) } + PanelButton.allCases.map { .button($0) }

    /// The name as board files spell it, such as `led.media_needed` or `button.burn`.
    public var name: String {
        switch self {
        case .led(let led): "led.\(led.name)"
        case .button(let button): "button.\(button.name)"
        }
    }

    /// Returns the assignment named `name` in a board file, or nil.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// One line of a board file: an LED or a button and the GPIO line it is wired to.
public struct BoardEntry: Sendable, Equatable {
    /// The bias of a button's input line.
    public enum Bias: String, Sendable {
        case pullUp = "pull-up"
        case pullDown = "pull-down"
    }

    public var assignment: BoardAssignment
    /// The GPIO chip, such as `gpiochip0` or `/dev/gpiochip0`.
    public var chip: String
    /// The line offset on the chip.
    public var line: UInt32
    /// Whether the line is low when the LED is lit or the button is down.
    public var activeLow = false
    /// The bias of a button's line, or nil to leave it as the board has it.
    public var bias: Bias?
    /// The line of the board file this entry is on, counted from 1.
    public var fileLine: Int

    /// Makes an entry.
    public init(
        assignment: BoardAssignment, chip: String, line: UInt32, activeLow: Bool = false,
        bias: Bias? = nil, fileLine: Int
    ) {
        self.assignment = assignment
        self.chip = chip
        self.line = line
        self.activeLow = activeLow
        self.bias = bias
        self.fileLine = fileLine
    }
}
