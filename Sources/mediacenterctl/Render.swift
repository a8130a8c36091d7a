import ControlProtocol
import Foundation
import MediaCenterCore

/// Prints console output within 80 columns, coloured when the terminal takes it.
struct Renderer {
    var style: ConsoleStyle

    func line(_ text: String = "") {
        print(text)
    }

    /// Prints `label  value`, the value wrapped under itself.
    func field(_ label: String, _ value: String) {
        for text in ConsoleText.field(label, value) { print(text) }
    }

    /// Prints text wrapped to 80 columns, continuation lines indented by `indent`.
    func wrapped(_ text: String, indent: String = "") {
        for text in ConsoleText.wrap(text, indent: indent) { print(text) }
    }

    /// Pads a state word to `width` and colours it.
    func state(_ text: String, _ width: Int) -> String {
        style.state(ConsoleText.column(text, width))
    }

    // MARK: - Status

    func status(_ report: StatusReport) {
        line(
            "Media Center \(report.version), up "
                + "\(ConsoleText.duration(seconds: report.uptimeSeconds)) since "
                + report.startedAt)
        field(
            "Listener", "\(report.listener), AE titles " + report.aeTitles.joined(separator: ", "))
        field("Data directory", report.dataDirectory)
        field(
            "Disk",
            "\(ConsoleText.bytes(report.freeBytes)) free of "
                + "\(ConsoleText.bytes(report.totalBytes)) (\(report.usedPercent)% used; "
                + "spool high-water mark \(report.spoolHighWaterPercent)%)")
        if let reclaimable = report.spoolReclaimableBytes {
            var text = "\(ConsoleText.bytes(reclaimable)) of burned jobs' spool files"
            if let missing = report.missingSpoolFiles, missing > 0 {
                text += "; \(missing) spool files missing since the start, see log"
            }
            field("Reclaimable", text)
        }
        let order = ["receiving", "queued", "burning", "verifying", "done", "failed"]
        field("Queue", order.map { "\($0) \(report.queue[$0] ?? 0)" }.joined(separator: ", "))
        if let panel = report.panel {
            let leds = ["ready", "busy", "error", "media_needed"].map {
                "\($0) \(panel.leds[$0] ?? "unknown")"
            }
            field("Panel", leds.joined(separator: ", ") + " (\(panel.activity))")
        }
        if let changer = report.changer {
            var text = "\(changer.name) (\(changer.kind))"
            if let bins = changer.bins {
                let input = bins["input"] ?? []
                text +=
                    "; input: "
                    + (input.isEmpty
                        ? "good blanks"
                        : input.joined(separator: ", ")
                            + ", then good blanks")
                text +=
                    "; output: \(bins["output"]?.count ?? 0) discs; reject: "
                    + "\(bins["reject"]?.count ?? 0) discs"
            }
            field("Changer", text)
        }
        line()
        drives(report.drives)
    }

    func drives(_ drives: [DriveSummary]) {
        guard !drives.isEmpty else {
            line("No drives.")
            return
        }
        line(
            ConsoleText.column("DRIVE", 14) + ConsoleText.column("STATUS", 12)
                + ConsoleText.column("MEDIA", 9) + ConsoleText.column("CAPACITY", 12) + "JOB")
        for drive in drives {
            let capacity = drive.capacityBytes.map(ConsoleText.bytes) ?? "-"
            let job = drive.job.map { "job \($0)" } ?? (drive.status == "in-use" ? "busy" : "idle")
            line(
                ConsoleText.column(drive.name, 14) + state(drive.status, 12)
                    + ConsoleText.column(drive.media ?? "-", 9)
                    + ConsoleText.column(capacity, 12) + ConsoleText.truncate(job, to: 33))
            if let error = drive.error {
                wrapped("  error: " + error, indent: "    ")
            }
        }
    }

    // MARK: - Jobs

    func jobs(_ jobs: [JobSummary]) {
        guard !jobs.isEmpty else {
            line("No jobs.")
            return
        }
        line(
            ConsoleText.column("JOB", 6) + ConsoleText.column("STATE", 10)
                + ConsoleText.column("IMAGES", 7) + ConsoleText.column("DISCS", 7)
                + ConsoleText.column("PATIENT ID", 18) + "PATIENT NAME")
        for job in jobs {
            let verified = job.discs.filter(\.verified).count
            let discs = job.discs.isEmpty ? "-" : "\(verified)/\(job.discs.count)"
            line(
                ConsoleText.column(String(job.id), 6) + state(job.state, 10)
                    + ConsoleText.column(String(job.instances), 7)
                    + ConsoleText.column(discs, 7) + ConsoleText.column(job.patientID, 18)
                    + ConsoleText.truncate(job.patientName, to: 32))
            if let error = job.error { wrapped("      error: " + error, indent: "        ") }
            for disc in job.discs { wrapped("      " + discText(disc), indent: "        ") }
            for reject in job.rejects {
                wrapped(
                    "      rejected for disc \(reject.number): \(reject.reason)", indent: "        "
                )
            }
        }
    }

    func job(_ job: JobSummary) {
        line("Job \(job.id): " + style.state(job.state))
        let generated = job.patientIDGenerated ? ", generated" : ""
        field("Patient", "\(job.patientName) (ID \(job.patientID)\(generated))")
        field("Instances", "\(job.instances) (\(ConsoleText.bytes(job.bytes)))")
        field("Created", job.createdAt)
        field("Updated", job.updatedAt)
        if let error = job.error { field("Error", error) }
        line()
        line(job.discs.isEmpty ? "Discs: none" : "Discs:")
        for disc in job.discs { wrapped("  " + discText(disc), indent: "    ") }
        line(job.rejects.isEmpty ? "Rejected discs: none" : "Rejected discs:")
        for reject in job.rejects {
            let path = reject.path.map { " (\($0))" } ?? ""
            wrapped("  \(reject.at) disc \(reject.number)\(path): \(reject.reason)", indent: "    ")
        }
        line()
        line("History:")
        for change in job.history ?? [] {
            let from = change.from ?? "new"
            wrapped("  \(change.at) \(from) -> \(change.to): \(change.reason)", indent: "    ")
        }
    }

    private func discText(_ disc: DiscSummary) -> String {
        let profile = disc.profile.map { ", \($0)" } ?? ""
        let verified = disc.verified ? "verified" : "NOT verified"
        return "disc \(disc.number) of \(disc.count) (\(verified)\(profile)): \(disc.path)"
    }

    // MARK: - Access list, panel

    func accessList(_ list: [RemoteAE], enabled: Bool) {
        if !enabled {
            line("Access control is OFF (open mode): every calling AE title is accepted.")
        }
        guard !list.isEmpty else {
            line("The access list is empty.")
            return
        }
        line(
            ConsoleText.column("AE TITLE", 18) + ConsoleText.column("HOST", 28)
                + ConsoleText.column("PORT", 7) + "DESCRIPTION")
        for entry in list {
            line(
                ConsoleText.column(entry.aeTitle, 18) + ConsoleText.column(entry.host, 28)
                    + ConsoleText.column(entry.port.map(String.init) ?? "-", 7)
                    + ConsoleText.truncate(entry.description, to: 27))
        }
    }

    func panel(_ panel: PanelSummary) {
        line(ConsoleText.column("LED", 16) + "STATE")
        for name in ["ready", "busy", "error", "media_needed"] {
            line(ConsoleText.column(name, 16) + (panel.leds[name] ?? "unknown"))
        }
        let error =
            panel.errorUnacknowledged
            ? "a failed job waits to be acknowledged (press cancel --long)"
            : "no failed job to acknowledge"
        wrapped("State: \(panel.activity); \(error).")
        line("Panel: \(ConsoleText.printable(panel.backend)).")
    }

    // MARK: - Configuration, log, self-test

    func configuration(_ report: ConfigurationReport) {
        wrapped("Configuration file read: " + (report.file ?? "none (built-in defaults)"))
        if report.file != report.editableFile {
            wrapped("config set writes: " + report.editableFile)
        }
        line()
        line(ConsoleText.column("KEY", 25) + ConsoleText.column("VALUE", 30) + "SOURCE")
        for entry in report.entries {
            let value = entry.value.isEmpty ? "(empty)" : entry.value
            var source = entry.origin.map { "\(entry.source) \($0)" } ?? entry.source
            if entry.source == "file", let line = entry.origin?.split(separator: ":").last {
                source = "file, line \(line)"
            }
            line(
                ConsoleText.column(entry.key, 25) + ConsoleText.column(value, 30)
                    + ConsoleText.truncate(source, to: 25))
        }
    }

    func events(_ events: [EventSummary]) {
        guard !events.isEmpty else {
            line("No events.")
            return
        }
        for event in events {
            let job = event.job.map { "job \($0) " } ?? ""
            let kind =
                event.kind == "error" || event.kind == "warning"
                ? style.paint(event.kind, event.kind == "error" ? .red : .yellow) : event.kind
            let text = "\(event.at) \(kind) \(job)\(event.text)"
            for part in ConsoleText.wrap(text, indent: "    ") { line(part) }
        }
    }

    func selftest(_ steps: [SelftestStep]) {
        for step in steps {
            let result = style.state(ConsoleText.column(step.result.uppercased(), 6))
            let name = ConsoleText.column(step.name, 18)
            let details = ConsoleText.wrap(step.detail, width: ConsoleText.width - 24)
            for (index, part) in details.enumerated() {
                let head = index == 0 ? result + name : String(repeating: " ", count: 24)
                line(head + part)
            }
        }
        let failed = steps.filter { $0.result == "fail" }.count
        line(failed == 0 ? "Self-test passed." : "Self-test FAILED: \(failed) step(s) failed.")
    }
}

/// Prints `value` as sorted, indented JSON.
func printJSON<Value: Encodable>(_ value: Value) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) {
        print(String(decoding: data, as: UTF8.self))
    }
}
