import ControlProtocol
import Foundation
import MediaCenterCore

/// An invalid command line, with the message for standard error (exit code 2).
struct UsageError: Error {
    var message: String
}

/// The parsed command line.
struct Invocation {
    var dataDirectory = "/var/lib/mediacenter"
    /// The command, such as `status`; nil with `--help` alone.
    var command: String?
    /// The words after the command that are not options.
    var positional: [String] = []
    var help = false
    var json = false
    var all = false
    var long = false
    var patientID: String?
    var port: Int?
    var aeDescription = ""
    var lines: Int?
    /// The options given, to check them against the command.
    var optionsGiven: [String] = []
}

/// The options that take a value.
private let valueOptions: Set<String> = [
    "--data-dir", "--patient-id", "--port", "--description", "--lines",
]

/// Parses the arguments after the program name. Options may come before or after the
/// command; an option's value follows it as the next argument or after `=`.
func parseArguments(_ arguments: [String]) throws -> Invocation {
    var invocation = Invocation()
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
        guard argument.hasPrefix("-"), argument != "-" else {
            if invocation.command == nil {
                invocation.command = argument
            } else {
                invocation.positional.append(argument)
            }
            continue
        }
        var option = argument
        var attached: String?
        if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
            option = String(argument[..<equals])
            attached = String(argument[argument.index(after: equals)...])
        }
        if option == "-h" { option = "--help" }
        if option != "--data-dir" && option != "--help" { invocation.optionsGiven.append(option) }

        var value = ""
        if valueOptions.contains(option) {
            guard let given = attached ?? remaining.popFirst() else {
                throw UsageError(message: "missing value for \(option); see mediacenterctl --help")
            }
            value = given
        } else if attached != nil {
            throw UsageError(message: "\(option) takes no value; see mediacenterctl --help")
        }

        switch option {
        case "--help": invocation.help = true
        case "--json": invocation.json = true
        case "--all": invocation.all = true
        case "--long": invocation.long = true
        case "--data-dir":
            guard !value.isEmpty else {
                throw UsageError(message: "--data-dir needs a folder, but the value is empty")
            }
            invocation.dataDirectory = value
        case "--patient-id": invocation.patientID = value
        case "--description": invocation.aeDescription = value
        case "--port":
            guard let number = Int(value), (1...65535).contains(number) else {
                throw UsageError(
                    message: "invalid --port \(String(reflecting: value)): expected a port "
                        + "number from 1 to 65535")
            }
            invocation.port = number
        case "--lines":
            guard let number = Int(value), (1...10000).contains(number) else {
                throw UsageError(
                    message: "invalid --lines \(String(reflecting: value)): expected a whole "
                        + "number from 1 to 10000")
            }
            invocation.lines = number
        default:
            throw UsageError(
                message: "unknown option '\(argument)'; see mediacenterctl --help")
        }
    }
    return invocation
}

/// Checks that every option given belongs to the command.
func checkOptions(_ invocation: Invocation, for command: CommandHelp) throws {
    let allowed = command.optionNames
    for option in invocation.optionsGiven where !allowed.contains(option) {
        throw UsageError(
            message: "\(option) does not apply to \(command.name); see mediacenterctl "
                + "\(command.name) --help")
    }
}

/// Parses a job number as `mediacenterctl jobs` lists it.
func jobNumber(_ words: [String], command: String) throws -> Int64 {
    guard words.count == 1 else {
        throw UsageError(
            message: "\(command) needs one job number, as mediacenterctl jobs lists it; "
                + "see mediacenterctl \(command) --help")
    }
    guard let number = Int64(words[0]), number > 0 else {
        throw UsageError(
            message: "invalid job number \(String(reflecting: words[0])) for \(command); "
                + "give the number mediacenterctl jobs lists")
    }
    return number
}

/// Makes the daemon request for a parsed command line, or nil for `config check`, which
/// runs without the daemon.
func makeRequest(_ invocation: Invocation, _ command: CommandHelp) throws -> ControlRequest? {
    let words = invocation.positional
    func expectNoWords() throws {
        guard words.isEmpty else {
            throw UsageError(
                message: "unexpected argument '\(words[0])' for \(command.name); see "
                    + "mediacenterctl \(command.name) --help")
        }
    }

    switch command.name {
    case "status", "jobs", "drives", "selftest", "panel":
        try expectNoWords()
        return ControlRequest(command: command.name)
    case "log":
        try expectNoWords()
        return ControlRequest(command: "log", lines: invocation.lines ?? 20)
    case "job", "retry", "cancel":
        return ControlRequest(
            command: command.name, job: try jobNumber(words, command: command.name))
    case "eject":
        guard words.count <= 1 else {
            throw UsageError(
                message: "eject takes at most one drive name; see mediacenterctl drives")
        }
        return ControlRequest(command: "eject", drive: words.first)
    case "burn":
        try expectNoWords()
        guard (invocation.patientID != nil) != invocation.all else {
            throw UsageError(message: "burn needs exactly one of --patient-id ID and --all")
        }
        return ControlRequest(
            command: "burn", patientID: invocation.patientID, all: invocation.all ? true : nil)
    case "press":
        let buttons = ["burn", "eject", "cancel"]
        guard words.count == 1, buttons.contains(words[0]) else {
            throw UsageError(message: "press needs a button: burn, eject or cancel")
        }
        return ControlRequest(
            command: "press", button: words[0], long: invocation.long ? true : nil)
    case "aet":
        return try accessListRequest(invocation)
    case "config":
        return try configurationRequest(invocation)
    default:
        throw UsageError(message: "unknown command '\(command.name)'; see mediacenterctl --help")
    }
}

private func accessListRequest(_ invocation: Invocation) throws -> ControlRequest {
    let words = invocation.positional
    let addOnly = ["--port", "--description"]
    if words.first != "add", let option = invocation.optionsGiven.first(where: addOnly.contains) {
        throw UsageError(
            message: "\(option) applies only to aet add; see mediacenterctl aet --help")
    }
    switch (words.first, words.count) {
    case ("list", 1):
        return ControlRequest(command: "aet-list")
    case ("add", 3):
        return ControlRequest(
            command: "aet-add",
            remoteAE: RemoteAE(
                aeTitle: words[1], host: words[2], port: invocation.port,
                description: invocation.aeDescription))
    case ("remove", 2):
        return ControlRequest(
            command: "aet-remove", remoteAE: RemoteAE(aeTitle: words[1], host: ""))
    default:
        throw UsageError(
            message: "use aet list, aet add AET HOST [--port N] [--description TEXT] or aet "
                + "remove AET; see mediacenterctl aet --help")
    }
}

private func configurationRequest(_ invocation: Invocation) throws -> ControlRequest? {
    let words = invocation.positional
    switch (words.first, words.count) {
    case ("show", 1):
        return ControlRequest(command: "config-show")
    case ("check", 1), ("check", 2):
        return nil
    case ("set", 3):
        if invocation.json {
            throw UsageError(message: "--json does not apply to config set")
        }
        return ControlRequest(command: "config-set", key: words[1], value: words[2])
    default:
        throw UsageError(
            message: "use config show, config check [FILE] or config set KEY VALUE; see "
                + "mediacenterctl config --help")
    }
}
