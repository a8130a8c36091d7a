// mediacenterctl: the console for field engineers. It talks to mediacenterd over the
// control socket in the data directory.
//
// Exit codes: 0 success, 1 the daemon reported a failure, 2 invalid command line,
// 3 the daemon could not be reached.

import ControlProtocol
import Foundation
import MediaCenterCore

let usage = """
    Usage: mediacenterctl [--data-dir DIR] COMMAND [options]

    Commands:
      jobs [--json]                  list patient collections and their discs
      burn --patient-id ID           finish the receiving collections of a patient now
      burn --all                     finish every receiving collection now
      retry JOB                      queue a failed job again, after its cause is fixed
      status [--json]                show the daemon's version and listener
      aet list [--json]              show the access list of remote AEs
      aet add AET HOST [--port N] [--description TEXT]
                                     allow calling AE title AET from HOST: an IPv4 or
                                     IPv6 address, a subnet such as 10.1.2.0/24, or a
                                     host name; N is the port it accepts associations on
      aet remove AET                 take AET off the access list
      panel [--json]                 show the front panel's LEDs: on, off or blinking
      press burn|eject|cancel [--long] [--json]
                                     press a front panel button; burn finishes every
                                     receiving collection, eject opens an idle drive,
                                     cancel --long acknowledges a failed job

    Options:
      --data-dir DIR                 the daemon's data directory (default /var/lib/mediacenter)
      --help                         show this text

    Exit codes: 0 success, 1 the daemon reported a failure, 2 invalid command line,
    3 the daemon could not be reached.
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("mediacenterctl: \(message)\n".utf8))
    exit(code)
}

var arguments = CommandLine.arguments.dropFirst()
var dataDirectory = "/var/lib/mediacenter"
var command: String?
var json = false
var patientID: String?
var all = false
var job: Int64?
var positional: [String] = []
var port: Int?
var aeDescription = ""
var button: String?
var long = false

while let argument = arguments.popFirst() {
    switch argument {
    case "--help", "-h":
        print(usage)
        exit(0)
    case "--data-dir":
        guard let value = arguments.popFirst() else {
            fail("missing value for --data-dir", code: 2)
        }
        dataDirectory = value
    case "--json":
        json = true
    case "--patient-id":
        guard let value = arguments.popFirst() else {
            fail("missing value for --patient-id", code: 2)
        }
        patientID = value
    case "--all":
        all = true
    case "--port":
        guard let value = arguments.popFirst(), let number = Int(value),
            (1...65535).contains(number)
        else {
            fail("--port needs a port number from 1 to 65535", code: 2)
        }
        port = number
    case "--description":
        guard let value = arguments.popFirst() else {
            fail("missing value for --description", code: 2)
        }
        aeDescription = value
    case "--long":
        long = true
    case "aet" where command == nil:
        command = argument
    case "jobs", "burn", "status", "retry", "panel", "press":
        guard command == nil else { fail("only one command at a time; see --help", code: 2) }
        command = argument
        if argument == "press" {
            let buttons = ["burn", "eject", "cancel"]
            guard let value = arguments.popFirst(), buttons.contains(value) else {
                fail("press needs a button: burn, eject or cancel", code: 2)
            }
            button = value
        }
        if argument == "retry" {
            guard let value = arguments.popFirst(), let number = Int64(value) else {
                fail("retry needs a job number, as mediacenterctl jobs lists it", code: 2)
            }
            job = number
        }
    default:
        guard command == "aet", !argument.hasPrefix("--") else {
            fail("unknown argument '\(argument)'; see mediacenterctl --help", code: 2)
        }
        positional.append(argument)
    }
}

guard let command else { fail("no command given; see mediacenterctl --help", code: 2) }

let request: ControlRequest
switch command {
case "burn":
    guard (patientID != nil) != all else {
        fail("burn needs exactly one of --patient-id ID and --all", code: 2)
    }
    request = ControlRequest(command: "burn", patientID: patientID, all: all ? true : nil)
case "retry":
    request = ControlRequest(command: "retry", job: job)
case "press":
    request = ControlRequest(command: "press", button: button, long: long ? true : nil)
case "aet":
    switch (positional.first, positional.count) {
    case ("list", 1):
        request = ControlRequest(command: "aet-list")
    case ("add", 3):
        request = ControlRequest(
            command: "aet-add",
            remoteAE: RemoteAE(
                aeTitle: positional[1], host: positional[2], port: port,
                description: aeDescription))
    case ("remove", 2):
        request = ControlRequest(
            command: "aet-remove", remoteAE: RemoteAE(aeTitle: positional[1], host: ""))
    default:
        fail(
            "use aet list, aet add AET HOST [--port N] [--description TEXT] or aet remove AET; "
                + "see mediacenterctl --help", code: 2)
    }
default:
    request = ControlRequest(command: command)
}
if long && command != "press" {
    fail("--long applies only to press; see mediacenterctl --help", code: 2)
}

/// Sends `request` and returns the daemon's reply, or exits with code 3.
func send(_ request: ControlRequest, dataDirectory: String) -> ControlResponse {
    let path = dataDirectory + "/" + controlSocketName
    do {
        let socket = try UnixSocket.connect(path: path)
        // The daemon replies within seconds, and a minute also covers a busy data disk.
        socket.setTimeout(seconds: 60)
        try socket.sendAll(Array(try JSONEncoder().encode(request)))
        let reply = try socket.receiveAll()
        return try JSONDecoder().decode(ControlResponse.self, from: Data(reply))
    } catch {
        fail(String(describing: error), code: 3)
    }
}

let response = send(request, dataDirectory: dataDirectory)
guard response.ok else { fail(response.error ?? "the daemon reported a failure", code: 1) }

func printJSON<Value: Encodable>(_ value: Value) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) {
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Replaces control characters with `?`, so a value received over DICOM cannot move the
/// cursor, clear the screen or start a new line on the console.
func printable(_ text: String) -> String {
    String(
        String.UnicodeScalarView(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
}

/// Cuts or pads `text` to `width` columns, for an 80-column console.
func column(_ raw: String, _ width: Int) -> String {
    let text = printable(raw)
    return text.count > width
        ? String(text.prefix(width - 1)) + "~"
        : text.padding(toLength: width, withPad: " ", startingAt: 0)
}

/// Prints the LEDs one per line in panel order, then what they show, within 80 columns.
func printPanel(_ panel: PanelSummary) {
    print(column("LED", 16) + "STATE")
    for name in ["ready", "busy", "error", "media_needed"] {
        print(column(name, 16) + (panel.leds[name] ?? "unknown"))
    }
    let error =
        panel.errorUnacknowledged
        ? "a failed job waits to be acknowledged (press cancel --long)"
        : "no failed job to acknowledge"
    print("State: \(printable(panel.activity)); \(error).")
    print("Panel: \(printable(panel.backend)).")
}

switch command {
case "jobs":
    let jobs = response.jobs ?? []
    if json {
        printJSON(jobs)
    } else if jobs.isEmpty {
        print("No jobs.")
    } else {
        print(
            column("JOB", 6) + column("STATE", 10) + column("IMAGES", 7) + column("DISCS", 7)
                + column("PATIENT ID", 18) + "PATIENT NAME")
        for job in jobs {
            let verified = job.discs.filter(\.verified).count
            let discs = job.discs.isEmpty ? "-" : "\(verified)/\(job.discs.count)"
            print(
                column(String(job.id), 6) + column(job.state, 10)
                    + column(String(job.instances), 7) + column(discs, 7)
                    + column(job.patientID, 18) + String(printable(job.patientName).prefix(32)))
            if let error = job.error { print("      error: \(error)") }
            for disc in job.discs {
                let profile = disc.profile.map { ", \($0)" } ?? ""
                print(
                    "      disc \(disc.number) of \(disc.count): \(disc.path)"
                        + (disc.verified ? " (verified\(profile))" : " (NOT verified\(profile))"))
            }
            for reject in job.rejects {
                print("      rejected for disc \(reject.number): \(printable(reject.reason))")
            }
        }
    }
case "burn", "retry":
    let queued = response.queued ?? []
    print(
        queued.isEmpty
            ? "Nothing to burn."
            : "Queued jobs: "
                + queued.map(String.init).joined(separator: ", "))
case "status":
    let status = response.status ?? [:]
    if json {
        printJSON(status)
    } else {
        for key in status.keys.sorted() { print("\(column(key, 20)) \(status[key] ?? "")") }
    }
case "aet":
    let list = response.remoteAEs ?? []
    let enabled = response.accessControl ?? true
    if json {
        struct AccessListOutput: Encodable {
            let accessControl: Bool
            let remoteAEs: [RemoteAE]
        }
        printJSON(AccessListOutput(accessControl: enabled, remoteAEs: list))
    } else {
        let title = printable(positional.count > 1 ? positional[1] : "")
            .trimmingCharacters(in: .whitespaces)
        if positional.first == "add" { print("Added \(title).") }
        if positional.first == "remove" { print("Removed \(title).") }
        if !enabled {
            print("Access control is OFF (open mode): every calling AE title is accepted.")
        }
        if list.isEmpty {
            print("The access list is empty.")
        } else {
            print(column("AE TITLE", 18) + column("HOST", 28) + column("PORT", 7) + "DESCRIPTION")
            for entry in list {
                print(
                    column(entry.aeTitle, 18) + column(entry.host, 28)
                        + column(entry.port.map(String.init) ?? "-", 7)
                        + String(printable(entry.description).prefix(27)))
            }
        }
    }
case "panel", "press":
    if json {
        struct PressOutput: Encodable {
            let message: String?
            let panel: PanelSummary?
        }
        if command == "press" {
            printJSON(PressOutput(message: response.message, panel: response.panel))
        } else if let panel = response.panel {
            printJSON(panel)
        }
    } else if command == "press" {
        print(printable(response.message ?? "pressed"))
    } else if let panel = response.panel {
        printPanel(panel)
    }
default:
    break
}
