// mediacenterctl: the console for field engineers. It talks to mediacenterd over the
// control socket in the data directory.
//
// Exit codes: 0 success, 1 the daemon reported a failure, 2 invalid command line,
// 3 the daemon could not be reached, 4 permission refused.

import Appliance
import ControlProtocol
import Foundation
import Glibc
import MediaCenterCore

/// The exit codes, as `--help` lists them.
enum ExitCode: Int32 {
    case success = 0
    case daemonFailure = 1
    case usage = 2
    case unreachable = 3
    case refused = 4
}

func fail(_ message: String, _ code: ExitCode) -> Never {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).flatMap {
        ConsoleText.wrap("mediacenterctl: " + String($0), indent: "  ")
    }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    exit(code.rawValue)
}

/// Sends `request` and returns the daemon's reply.
func exchange(_ request: ControlRequest, dataDirectory: String) throws -> ControlResponse {
    let socket = try UnixSocket.connect(path: dataDirectory + "/" + controlSocketName)
    // The daemon replies within seconds, and a minute also covers a busy data disk.
    socket.setTimeout(seconds: 60)
    try socket.sendAll(Array(try JSONEncoder().encode(request)))
    let reply = try socket.receiveAll()
    return try JSONDecoder().decode(ControlResponse.self, from: Data(reply))
}

/// Sends `request` and returns the daemon's reply, or exits with code 3.
func send(_ request: ControlRequest, dataDirectory: String) -> ControlResponse {
    do {
        return try exchange(request, dataDirectory: dataDirectory)
    } catch {
        fail(String(describing: error), .unreachable)
    }
}

/// Sends `request` and exits with 1 or 4 when the daemon reports a failure or a refusal.
func sendChecked(_ request: ControlRequest, dataDirectory: String) -> ControlResponse {
    let response = send(request, dataDirectory: dataDirectory)
    guard response.ok else {
        fail(
            response.error ?? "the daemon reported a failure",
            response.refused == true ? .refused : .daemonFailure)
    }
    return response
}

/// Runs `config check [FILE]` without the daemon: the file given, or else the one the
/// daemon read when it is reachable, or else the default path.
func checkConfiguration(_ invocation: Invocation, renderer: Renderer) -> Never {
    var path = invocation.positional.count == 2 ? invocation.positional[1] : nil
    if path == nil,
        let response = try? exchange(
            ControlRequest(command: "config-show"), dataDirectory: invocation.dataDirectory)
    {
        path = response.configuration?.file ?? response.configuration?.editableFile
    }
    let file = path ?? Configuration.defaultFilePath
    if invocation.positional.count == 1, !FileManager.default.fileExists(atPath: file) {
        renderer.wrapped("No configuration file at \(file); the built-in defaults apply.")
        exit(ExitCode.success.rawValue)
    }

    struct CheckOutput: Encodable {
        var file: String
        var valid: Bool
        var settings: Int
        var problems: [String]
    }
    var output = CheckOutput(file: file, valid: true, settings: 0, problems: [])
    do {
        let settings = try ConfigurationFile.read(file, missingIsFine: false) ?? []
        _ = try Configuration.validated(settings)
        output.settings = settings.count
    } catch let error as ConfigurationError {
        output.valid = false
        output.problems = error.problems
    } catch {
        output.valid = false
        output.problems = [String(describing: error)]
    }

    if invocation.json {
        printJSON(output)
    } else if output.valid {
        let keys = output.settings == 1 ? "key" : "keys"
        renderer.wrapped("\(file): no errors; \(output.settings) \(keys) set.")
    } else {
        for problem in output.problems { renderer.wrapped(problem, indent: "    ") }
        renderer.wrapped("\(file): \(output.problems.count) error(s).")
    }
    exit(output.valid ? ExitCode.success.rawValue : ExitCode.usage.rawValue)
}

let invocation: Invocation
do {
    invocation = try parseArguments(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    fail(error.message, .usage)
}

guard let name = invocation.command else {
    if invocation.help {
        print(overallUsage())
        exit(0)
    }
    fail("no command given; see mediacenterctl --help", .usage)
}
if name == "help" {
    if let topic = invocation.positional.first,
        let command = commands.first(where: { $0.name == topic })
    {
        print(commandUsage(command))
    } else {
        print(overallUsage())
    }
    exit(0)
}
guard let command = commands.first(where: { $0.name == name }) else {
    fail("unknown command '\(name)'; see mediacenterctl --help", .usage)
}
if invocation.help {
    print(commandUsage(command))
    exit(0)
}

let renderer = Renderer(
    style: ConsoleStyle.detect(
        isTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment))
let request: ControlRequest
do {
    try checkOptions(invocation, for: command)
    guard let made = try makeRequest(invocation, command) else {
        checkConfiguration(invocation, renderer: renderer)
    }
    request = made
} catch let error as UsageError {
    fail(error.message, .usage)
}

let response = sendChecked(request, dataDirectory: invocation.dataDirectory)
let json = invocation.json

switch request.command {
case "status":
    if let report = response.report {
        if json { printJSON(report) } else { renderer.status(report) }
    } else {
        // A daemon without the console context replies with its version and listener only.
        let status = response.status ?? [:]
        if json {
            printJSON(status)
        } else {
            for key in status.keys.sorted() { renderer.field(key, status[key] ?? "") }
        }
    }
case "jobs":
    if json { printJSON(response.jobs ?? []) } else { renderer.jobs(response.jobs ?? []) }
case "job":
    if let job = response.job {
        if json { printJSON(job) } else { renderer.job(job) }
    }
case "drives":
    if json { printJSON(response.drives ?? []) } else { renderer.drives(response.drives ?? []) }
case "burn", "retry":
    let queued = response.queued ?? []
    print(
        queued.isEmpty
            ? "Nothing to burn." : "Queued jobs: " + queued.map(String.init).joined(separator: ", ")
    )
case "cancel", "eject", "config-set":
    renderer.wrapped(response.message ?? "Done.")
case "config-show":
    if let report = response.configuration {
        if json { printJSON(report) } else { renderer.configuration(report) }
    }
case "log":
    if json { printJSON(response.events ?? []) } else { renderer.events(response.events ?? []) }
case "selftest":
    let steps = response.selftest ?? []
    if json { printJSON(steps) } else { renderer.selftest(steps) }
    if steps.contains(where: { $0.result == "fail" }) { exit(ExitCode.daemonFailure.rawValue) }
case "aet-list", "aet-add", "aet-remove":
    let list = response.remoteAEs ?? []
    let enabled = response.accessControl ?? true
    if json {
        struct AccessListOutput: Encodable {
            let accessControl: Bool
            let remoteAEs: [RemoteAE]
        }
        printJSON(AccessListOutput(accessControl: enabled, remoteAEs: list))
    } else {
        let title = ConsoleText.printable(request.remoteAE?.aeTitle ?? "")
            .trimmingCharacters(in: .whitespaces)
        if request.command == "aet-add" { print("Added \(title).") }
        if request.command == "aet-remove" { print("Removed \(title).") }
        renderer.accessList(list, enabled: enabled)
    }
case "panel", "press":
    if json {
        struct PressOutput: Encodable {
            let message: String?
            let panel: PanelSummary?
        }
        if request.command == "press" {
            printJSON(PressOutput(message: response.message, panel: response.panel))
        } else if let panel = response.panel {
            printJSON(panel)
        }
    } else if request.command == "press" {
        renderer.wrapped(response.message ?? "pressed")
    } else if let panel = response.panel {
        renderer.panel(panel)
    }
default:
    break
}
