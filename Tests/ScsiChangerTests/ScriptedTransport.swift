import MediaCenterCore
import ScsiChanger
import Synchronization

/// A ``ScsiTransport`` that replays scripted responses in order and records every command
/// it was sent. A command whose operation code differs from the next step's, or one after
/// the script ended, throws.
final class ScriptedTransport: ScsiTransport {
    /// One expected command and the response it gets.
    struct Step {
        var operationCode: UInt8
        var response: ScsiResponse
    }

    let devicePath = "/dev/sg-scripted"
    private let state: Mutex<(steps: [Step], sent: [ScsiCommand])>

    init(_ steps: [Step] = []) {
        state = Mutex((steps, []))
    }

    /// Adds steps to the end of the script.
    func append(_ steps: [Step]) {
        state.withLock { $0.steps += steps }
    }

    /// The commands sent so far, oldest first.
    var sent: [ScsiCommand] { state.withLock { $0.sent } }

    /// The operation codes sent so far.
    var sentCodes: [UInt8] { sent.map(\.operationCode) }

    /// The steps not yet replayed.
    var remaining: Int { state.withLock { $0.steps.count } }

    func send(_ command: ScsiCommand) throws -> ScsiResponse {
        try state.withLock { state in
            state.sent.append(command)
            guard !state.steps.isEmpty else {
                throw MediaCenterError(
                    .internalFailure, "\(command.name) sent after the script ended")
            }
            let step = state.steps.removeFirst()
            guard step.operationCode == command.operationCode else {
                throw MediaCenterError(
                    .internalFailure,
                    "\(command.name) (\(command.operationCode)) sent where the script expects "
                        + "operation code \(step.operationCode)")
            }
            var response = step.response
            // A device returns at most the allocation length.
            if case .fromDevice(let allocationLength) = command.direction {
                response.data = Array(response.data.prefix(allocationLength))
            }
            return response
        }
    }
}

extension ScriptedTransport.Step {
    /// Makes a step that ends `code` with GOOD status and `data`.
    static func good(_ code: UInt8, _ data: [UInt8] = []) -> Self {
        Self(operationCode: code, response: .good(data))
    }

    /// Makes a step that ends `code` with CHECK CONDITION and fixed-format sense of `key`,
    /// `asc` and `ascq`.
    static func sense(_ code: UInt8, key: UInt8, asc: UInt8, ascq: UInt8) -> Self {
        Self(
            operationCode: code,
            response: .checkCondition(sense: SenseBytes.fixed(key: key, asc: asc, ascq: ascq)))
    }
}

/// Sense data and element status data built for the changer tests. The parser tests spell
/// the same layouts out byte by byte.
enum SenseBytes {
    /// 18 bytes of current fixed-format sense.
    static func fixed(key: UInt8, asc: UInt8, ascq: UInt8) -> [UInt8] {
        [0x70, 0x00, key, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0]
    }
}

/// A changer's elements as a test describes them, encoded as READ ELEMENT STATUS data.
struct FakeElement {
    var type: ElementType
    var address: UInt16
    var full = false
    var except = false
    var access = true
    var asc: UInt8 = 0
    var ascq: UInt8 = 0

    /// Returns element status data with one page per type present, 12-byte descriptors,
    /// in the order of `elements`.
    static func report(_ elements: [FakeElement]) -> [UInt8] {
        var pages: [UInt8] = []
        for type in [ElementType.mediumTransport, .storage, .importExport, .dataTransfer] {
            let ofType = elements.filter { $0.type == type }
            guard !ofType.isEmpty else { continue }
            let byteCount = ofType.count * 12
            pages += [type.rawValue, 0x00, 0x00, 0x0C, 0x00]
            pages += [
                UInt8(byteCount >> 16), UInt8(byteCount >> 8 & 0xFF), UInt8(byteCount & 0xFF),
            ]
            for element in ofType {
                var flags: UInt8 = element.full ? 0x01 : 0
                if element.except { flags |= 0x04 }
                if element.access && type != .mediumTransport { flags |= 0x08 }
                pages += [UInt8(element.address >> 8), UInt8(element.address & 0xFF), flags, 0]
                pages += [element.asc, element.ascq, 0, 0, 0, 0, 0, 0]
            }
        }
        let first = elements.map(\.address).min() ?? 0
        let count = elements.count
        return [
            UInt8(first >> 8), UInt8(first & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF), 0,
            UInt8(pages.count >> 16), UInt8(pages.count >> 8 & 0xFF), UInt8(pages.count & 0xFF),
        ] + pages
    }
}

/// A ``DriveTray`` that records each call as `open NAME` or `close NAME`, and can be set to
/// fail opening.
final class RecordingTray: DriveTray {
    private let state = Mutex<(events: [String], failOpen: Bool)>(([], false))

    var events: [String] { state.withLock { $0.events } }

    func failOpening() {
        state.withLock { $0.failOpen = true }
    }

    func openTray(of drive: String) throws {
        try state.withLock { state in
            state.events.append("open \(drive)")
            if state.failOpen {
                throw MediaCenterError(.mediaFailure, "the tray of \(drive) is stuck")
            }
        }
    }

    func closeTray(of drive: String) throws {
        state.withLock { $0.events.append("close \(drive)") }
    }
}
