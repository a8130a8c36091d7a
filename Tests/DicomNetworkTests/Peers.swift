import Foundation
import Synchronization
import TestSupport

/// Runs the DICOM peers the tests talk to: DCMTK's command-line tools, called by full path
/// because pynetdicom installs a `storescu` of its own, and the pynetdicom script.
enum Peers {
    static let echoscu = "/usr/bin/echoscu"
    static let storescu = "/usr/bin/storescu"
    static var python: String { TestFiles.python }

    /// The AE title of every test SCP.
    static let calledAETitle = "CDP_PRINTER"

    /// A finished peer process.
    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    /// A peer process that was started and not yet waited for.
    final class Running {
        let process: Process
        private let folder: String
        private let outputPath: String
        private let errorPath: String
        private let outputHandle: FileHandle?
        private let errorHandle: FileHandle?

        init(_ executable: String, _ arguments: [String]) throws {
            folder = try TestFiles.makeTemporaryFolder("peer")
            outputPath = folder + "/stdout"
            errorPath = folder + "/stderr"
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            _ = FileManager.default.createFile(atPath: errorPath, contents: nil)

            process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            // Debian's DCMTK leaves Nagle's algorithm on unless this is set.
            var environment = ProcessInfo.processInfo.environment
            environment["TCP_NODELAY"] = "1"
            process.environment = environment
            outputHandle = FileHandle(forWritingAtPath: outputPath)
            errorHandle = FileHandle(forWritingAtPath: errorPath)
            process.standardOutput = outputHandle
            process.standardError = errorHandle
            try process.run()
        }

        /// Waits for the process to end, killing it after `timeout` seconds, and removes its
        /// output files.
        func wait(timeout: Double = 60) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline {
                usleep(20_000)
            }
            if process.isRunning {
                process.terminate()
            }
            process.waitUntilExit()
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            try? outputHandle?.close()
            try? errorHandle?.close()
            try? FileManager.default.removeItem(atPath: folder)
            return Result(status: process.terminationStatus, output: output, errors: errors)
        }
    }

    /// Runs `executable` with `arguments` and environment TCP_NODELAY=1, and waits for it.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws
        -> Result
    {
        try Running(executable, arguments).wait(timeout: timeout)
    }

    /// Sends one C-ECHO with DCMTK's echoscu.
    static func echo(port: Int, called: String = calledAETitle, calling: String = "ECHO_SCU")
        throws -> Result
    {
        try run(echoscu, ["-aet", calling, "-aec", called, "127.0.0.1", String(port)])
    }

    /// A presentation context as the pynetdicom script reports it after negotiation.
    struct NegotiatedContext: Decodable {
        let id: Int
        let abstract: String
        /// 0 accepted, 3 abstract syntax not supported, 4 transfer syntaxes not supported.
        let result: Int
        /// The accepted transfer syntax; nil for a rejected context.
        let transfer_syntax: String?
    }

    /// Sends `files` with DCMTK's storescu; `options` selects the proposed syntaxes.
    static func store(port: Int, files: [String], options: [String] = []) throws -> Result {
        let arguments =
            ["-aet", "STORE_SCU", "-aec", calledAETitle] + options
            + ["127.0.0.1", String(port)] + files
        return try run(storescu, arguments)
    }

    /// Returns the arguments that run `command` of the pynetdicom script.
    static func scriptArguments(_ command: String, port: Int, _ arguments: [String]) throws
        -> [String]
    {
        [try scriptPath(), command, String(port), calledAETitle] + arguments
    }

    /// Runs `command` of the pynetdicom script and decodes its JSON output.
    static func script<Output: Decodable>(
        _ command: String, port: Int, _ arguments: [String] = [], as type: Output.Type
    ) throws -> Output {
        let result = try run(python, try scriptArguments(command, port: port, arguments))
        return try decode(result, as: type)
    }

    /// Decodes the JSON that the pynetdicom script printed.
    static func decode<Output: Decodable>(_ result: Result, as type: Output.Type) throws -> Output {
        guard result.status == 0, let line = result.output.split(separator: "\n").last else {
            throw PeerError(
                message: "peer script failed with status \(result.status): \(result.errors)")
        }
        return try JSONDecoder().decode(type, from: Data(line.utf8))
    }

    private static let writtenScript = Mutex<String?>(nil)

    /// Writes the pynetdicom script to a temporary folder once and returns its path.
    static func scriptPath() throws -> String {
        try writtenScript.withLock { path in
            if let path { return path }
            let folder = try TestFiles.makeTemporaryFolder("peer-script")
            let file = folder + "/peer.py"
            try PeerScript.source.write(toFile: file, atomically: true, encoding: .utf8)
            path = file
            return file
        }
    }
}

/// A peer that did not run as the test expected.
struct PeerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
