import Foundation
import FrontPanel
import GpioPanel
import MediaCenterCore
import Testing

/// The libgpiod backend on a machine without the chip the board names. Everything past
/// opening the chip needs GPIO hardware or the kernel's GPIO simulator.
@Suite struct GpioPanelTests {
    static let missingChip = "gpiochip977"

    static func board(chip: String) throws -> BoardFile {
        let text = BoardAssignment.allCases.enumerated().map { index, assignment in
            "\(assignment.name) \(chip) \(index)"
        }.joined(separator: "\n")
        return try BoardFile(parsing: text, path: "test.conf")
    }

    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/dev/\(missingChip)"),
            "this machine has a chip of that name"))
    func missingChipReportsNotFound() throws {
        do {
            _ = try GpioPanel(board: Self.board(chip: Self.missingChip))
            Issue.record("opening \(Self.missingChip) succeeded")
        } catch let error as MediaCenterError {
            #expect(error.code == .notFound)
            #expect(error.message.hasPrefix("GPIO chip not found: \(Self.missingChip)"))
            #expect(error.message.contains("test.conf:1"))
            #expect(error.cause?.contains("gpiod_chip_open_by_name") == true)
        }
    }

    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/dev/\(missingChip)"),
            "this machine has a chip of that name"))
    func missingChipPathReportsNotFound() throws {
        do {
            _ = try GpioPanel(board: Self.board(chip: "/dev/\(Self.missingChip)"))
            Issue.record("opening /dev/\(Self.missingChip) succeeded")
        } catch let error as MediaCenterError {
            #expect(error.code == .notFound)
            #expect(error.message.hasPrefix("GPIO chip not found: /dev/\(Self.missingChip)"))
            #expect(error.cause?.contains("gpiod_chip_open") == true)
        }
    }
}
