import ControlProtocol
import Foundation
import Glibc
import MediaCenterCore

extension ControlServer {
    /// Walks the panel's LEDs, inspects each idle drive and tests the spool's file system.
    func selftest(_ console: ConsoleContext) -> [SelftestStep] {
        var steps: [SelftestStep] = []
        if let panel, console.loaded.configuration.panel == .gpio,
            panel.panel.hardware.backendName != PanelBackend.gpio.rawValue
        {
            steps.append(
                SelftestStep(
                    name: "panel", result: "fail",
                    detail: "panel = gpio, but the GPIO panel could not be opened and the "
                        + "\(panel.panel.hardware.backendName) panel runs instead; see "
                        + "mediacenterctl log for the reason"))
        }
        if let panel {
            for (led, shown) in panel.walkLEDs() {
                steps.append(
                    SelftestStep(
                        name: "led \(led.name)", result: shown ? "pass" : "fail",
                        detail: shown
                            ? "lit alone for 0.3 s; check that it lit"
                            : "the panel did not take the LED state"))
            }
        } else {
            steps.append(SelftestStep(name: "panel", result: "skip", detail: "no front panel"))
        }

        if console.drives().isEmpty {
            steps.append(
                SelftestStep(
                    name: "drives", result: "fail",
                    detail: "no drive is attached; check the drives' cables and udev"))
        }
        for summary in driveSummaries(console) {
            let name = "drive \(summary.name)"
            switch summary.status {
            case "in-use":
                let job = summary.job.map { " with job \($0)" } ?? ""
                steps.append(
                    SelftestStep(name: name, result: "skip", detail: "busy\(job); not inspected"))
            case "unknown":
                steps.append(
                    SelftestStep(
                        name: name, result: "fail",
                        detail: "inspectMedia failed: \(summary.error ?? "no reason given")"))
            default:
                let media = summary.media.map { " \($0)" } ?? ""
                steps.append(
                    SelftestStep(
                        name: name, result: "pass", detail: "answers: \(summary.status)\(media)"))
            }
        }
        steps += SpoolProbe(folder: console.spoolDirectory + "/tmp").run()
        logger.notice(
            "self-test from the console: "
                + "\(steps.filter { $0.result == "fail" }.count) of \(steps.count) steps failed")
        return steps
    }
}

/// Writes, syncs and removes a small file in the spool's temporary folder, which the
/// daemon empties at start, so a file left by a crash goes away.
struct SpoolProbe {
    var folder: String

    func run() -> [SelftestStep] {
        let path = folder + "/selftest-\(getpid())"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            return [failure("spool write", call: "open", path: path)]
        }
        var steps: [SelftestStep] = []
        let bytes = [UInt8](repeating: 0x5A, count: 65536)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written == bytes.count {
            steps.append(
                SelftestStep(name: "spool write", result: "pass", detail: "64 KiB to \(path)"))
        } else {
            steps.append(failure("spool write", call: "write", path: path))
        }
        if fsync(descriptor) == 0 {
            steps.append(SelftestStep(name: "spool sync", result: "pass", detail: "fsync done"))
        } else {
            steps.append(failure("spool sync", call: "fsync", path: path))
        }
        close(descriptor)
        if unlink(path) == 0 {
            steps.append(
                SelftestStep(name: "spool remove", result: "pass", detail: "test file removed"))
        } else {
            steps.append(failure("spool remove", call: "unlink", path: path))
        }
        return steps
    }

    private func failure(_ name: String, call: String, path: String) -> SelftestStep {
        let reason = String(cString: strerror(errno))
        return SelftestStep(
            name: name, result: "fail",
            detail: "\(call) \(path) failed: \(reason); check the data disk and its space")
    }
}
