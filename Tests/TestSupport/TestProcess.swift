import Foundation

/// The exit status and the combined standard output and error of a finished tool.
public struct ToolOutput: Sendable {
    public var status: Int32
    public var text: String
}

/// Runs `executable` with `arguments`, waits for it, and returns its exit status with its
/// standard output and standard error together.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String]) throws -> ToolOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolOutput(
        status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
}
