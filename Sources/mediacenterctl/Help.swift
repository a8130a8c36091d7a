import ControlProtocol

/// One console command: its synopsis, what it does, and the options it takes.
struct CommandHelp {
    var name: String
    /// The command lines it takes, without `mediacenterctl`.
    var synopsis: [String]
    /// One line for the command list of `mediacenterctl --help`.
    var summary: String
    /// The command's description in sentences, wrapped when printed.
    var details: String
    /// Its options with what each sets.
    var options: [(String, String)] = []

    /// The options this command accepts, from `options`.
    var optionNames: Set<String> {
        Set(options.map { String($0.0.split(separator: " ")[0]) })
    }
}

/// The exit codes, as `--help` and the README list them.
let exitCodesText = """
    Exit codes: 0 success, 1 the daemon reported a failure, 2 invalid command line,
    3 the daemon could not be reached, 4 permission refused (the command needs
    membership in the engineers' group).
    """

let jsonOption = ("--json", "print the result as JSON for a script")

/// Every command, in the order `--help` lists them.
let commands: [CommandHelp] = [
    CommandHelp(
        name: "status", synopsis: ["status [--json]"],
        summary: "drives, changer, panel, queue, disk space, version, uptime",
        details: "Shows the appliance at a glance: each drive with its medium and job, the "
            + "changer's bins, the front panel's LEDs, the number of jobs in each state, the "
            + "free space of the data directory's file system with the spool high-water mark, "
            + "the version, the DICOM listener, the AE titles and the uptime.",
        options: [jsonOption]),
    CommandHelp(
        name: "jobs", synopsis: ["jobs [--json]"],
        summary: "list patient collections and their discs",
        details: "Lists every patient collection with its state, instances and discs. The "
            + "states are receiving, queued, burning, verifying, done and failed.",
        options: [jsonOption]),
    CommandHelp(
        name: "job", synopsis: ["job JOB [--json]"],
        summary: "one job in full, with its state history",
        details: "Shows one job: the patient, the instances, each disc and rejected disc, the "
            + "error of a failed job, and every state change with its time and reason.",
        options: [jsonOption]),
    CommandHelp(
        name: "burn", synopsis: ["burn --patient-id ID", "burn --all"],
        summary: "finish receiving collections now and queue them",
        details: "Finishes the receiving collections of one patient, or of every patient, "
            + "as if their completion timeout had passed, and queues them for burning.",
        options: [
            ("--patient-id ID", "finish the collections with this Patient ID"),
            ("--all", "finish every receiving collection"),
        ]),
    CommandHelp(
        name: "retry", synopsis: ["retry JOB"],
        summary: "queue a failed job again, after its cause is fixed",
        details: "Queues a failed job again. Verified discs of the earlier run are kept when "
            + "the new plan puts the same instances on them."),
    CommandHelp(
        name: "cancel", synopsis: ["cancel JOB"],
        summary: "cancel a queued job, or stop a burning one at a safe point",
        details: "A queued job fails at once with the reason \"cancelled from the console\". "
            + "A burning or verifying job stops before its next disc or before the next "
            + "write to a blank: a disc being written or read back is finished first, and "
            + "discs verified so far stay verified and in the output bin. The job then "
            + "fails with the same reason, and retry queues it again."),
    CommandHelp(
        name: "eject", synopsis: ["eject [DRIVE]"],
        summary: "open an idle drive",
        details: "Ejects the disc of the named drive, or of every idle drive. A drive with "
            + "a running job is not ejected; wait for the job or cancel it first."),
    CommandHelp(
        name: "drives", synopsis: ["drives [--json]"],
        summary: "each drive, its medium and what it does now",
        details: "Lists each drive with the loaded medium (type, blank or written, capacity) "
            + "and its job. A drive with a running job is not inspected, so that its write "
            + "is not disturbed.",
        options: [jsonOption]),
    CommandHelp(
        name: "aet",
        synopsis: [
            "aet list [--json]", "aet add AET HOST [--port N] [--description TEXT]",
            "aet remove AET",
        ],
        summary: "show or change the access list of remote AEs",
        details: "aet list shows the calling AE titles that may send, each with its host. "
            + "aet add allows AET from HOST: an IPv4 or IPv6 address, a subnet such as "
            + "10.1.2.0/24, or a host name. aet remove takes AET off the list. Adding and "
            + "removing needs membership in the engineers' group.",
        options: [
            ("--port N", "the port the remote AE accepts associations on, 1 to 65535"),
            ("--description TEXT", "a note on the remote AE, such as its room"),
            jsonOption,
        ]),
    CommandHelp(
        name: "config",
        synopsis: ["config show [--json]", "config check [FILE] [--json]", "config set KEY VALUE"],
        summary: "show, check or change the configuration",
        details: "config show lists every key with the value in effect and where it came "
            + "from: default, file (with the line) or option. config check reads FILE, or "
            + "the file the daemon uses, and lists every error with its line; it works "
            + "without a running daemon and exits with 2 on errors. config set checks VALUE "
            + "against the key, then changes that one line of the daemon's configuration "
            + "file and keeps every other line and comment; the change takes effect at the "
            + "next restart or reload. config set needs membership in the engineers' group.",
        options: [jsonOption]),
    CommandHelp(
        name: "log", synopsis: ["log [--lines N] [--json]"],
        summary: "recent state changes, rejected discs, warnings and errors",
        details: "Shows recent events, newest last: the state changes and rejected discs "
            + "recorded in the database, and the warnings and errors the daemon logged "
            + "since it started (the last 100 are kept in memory).",
        options: [("--lines N", "show the last N events, 1 to 10000 (default 20)"), jsonOption]),
    CommandHelp(
        name: "selftest", synopsis: ["selftest [--json]"],
        summary: "walk the LEDs, inspect the drives, test the spool disk",
        details: "Lights each front panel LED alone for 0.3 s (watch them), asks each idle "
            + "drive for its medium, and writes, syncs and removes a test file in the "
            + "spool. Reports each step as pass, fail or skip, and exits with 1 when a step "
            + "failed.",
        options: [jsonOption]),
    CommandHelp(
        name: "panel", synopsis: ["panel [--json]"],
        summary: "show the front panel's LEDs: on, off or blinking",
        details: "Shows each LED of the front panel and the state it shows.",
        options: [jsonOption]),
    CommandHelp(
        name: "press", synopsis: ["press burn|eject|cancel [--long] [--json]"],
        summary: "press a front panel button",
        details: "Presses a front panel button. burn finishes every receiving collection, "
            + "eject opens an idle drive, and cancel --long acknowledges a failed job.",
        options: [("--long", "hold the button for a long press"), jsonOption]),
]

/// Formats the usage text of `mediacenterctl --help`.
func overallUsage() -> String {
    var lines = [
        "Usage: mediacenterctl [--data-dir DIR] COMMAND [options]",
        "       mediacenterctl COMMAND --help",
        "",
        "The console of the Media Center burn appliance. It talks to mediacenterd over",
        "the control socket in the data directory.",
        "",
        "Commands:",
    ]
    for command in commands {
        lines += ConsoleText.field("  " + command.name, command.summary, labelWidth: 12)
    }
    lines += [
        "",
        "Options:",
        "  --data-dir DIR  the daemon's data directory (default /var/lib/mediacenter)",
        "  --help          show this text, or a command's help after the command",
        "",
        exitCodesText,
    ]
    return lines.joined(separator: "\n")
}

/// Formats the help of one command, within 80 columns.
func commandUsage(_ command: CommandHelp) -> String {
    var lines = command.synopsis.enumerated().flatMap { index, synopsis in
        let head = index == 0 ? "Usage: " : "       "
        let wrapped = ConsoleText.wrap(
            "mediacenterctl [--data-dir DIR] " + synopsis, width: ConsoleText.width - head.count,
            indent: "    ")
        return wrapped.enumerated().map { ($0.offset == 0 ? head : "       ") + $0.element }
    }
    lines.append("")
    lines += ConsoleText.wrap(command.details)
    if !command.options.isEmpty {
        lines += ["", "Options:"]
        for (option, text) in command.options {
            lines += ConsoleText.field("  " + option, text, labelWidth: 22)
        }
    }
    lines += ["", exitCodesText]
    return lines.joined(separator: "\n")
}
