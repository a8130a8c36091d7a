import CSystemd
import Foundation
import Glibc
import JobEngine
import MediaCenterCore
import PatientStore
import Synchronization

/// The outcome of a reload: the keys whose new values take effect now, and those that keep
/// their running value until a restart.
public struct ReloadPlan: Sendable, Equatable {
    /// One key whose value in the file differs from the running one.
    public struct Change: Sendable, Equatable {
        public var key: String
        public var running: String
        public var loaded: String
    }

    /// The running configuration with every reloadable change applied.
    public var configuration: Configuration
    /// Changes that take effect now.
    public var applied: [Change] = []
    /// Changes that need a restart; their keys keep their running values.
    public var needsRestart: [Change] = []

    /// Compares `loaded`, which passed every check, with `running`, key by key.
    public init(running: Configuration, loaded: Configuration) {
        configuration = running
        for key in ConfigurationKey.all {
            let old = key.value(in: running)
            let new = key.value(in: loaded)
            guard old != new else { continue }
            let change = Change(key: key.name, running: old, loaded: new)
            guard key.reloads else {
                needsRestart.append(change)
                continue
            }
            do {
                try key.apply(new, &configuration)
                applied.append(change)
            } catch {
                // A key's formatted value always reads back; failing here is a bug in the
                // key's format or apply.
                preconditionFailure("key \(key.name) cannot read back its value \(new)")
            }
        }
    }
}

/// A disc label reader whose configured institution a reload may change.
final class ReloadableLabelReader: DiscLabelReading {
    private let reader: Mutex<DicomLabelReader>

    init(_ reader: DicomLabelReader) {
        self.reader = Mutex(reader)
    }

    /// Replaces the institution printed on the labels of discs written from now on.
    func update(configuredInstitution: String) {
        reader.withLock { $0 = DicomLabelReader(configuredInstitution: configuredInstitution) }
    }

    func labelDetails(of instances: [StoredInstance]) throws -> DiscLabelDetails {
        try reader.withLock { $0 }.labelDetails(of: instances)
    }
}

/// Reads the configuration file again on SIGHUP and applies what can change while the
/// daemon runs. Associations in progress keep going, because nothing is restarted.
///
/// An invalid file changes nothing. A changed key that needs a restart (the listener's
/// port and address, the data folder, the drives, ...) keeps its running value and is
/// logged, so `--print-config` and the running daemon may differ until the restart.
final class ConfigurationReloader: Sendable {
    /// The parts of the running daemon that take new settings.
    struct Targets: Sendable {
        var ingest: Ingest
        var accessControl: AccessControl
        /// The engines of the drives attached now.
        var engines: @Sendable () -> [JobEngine]
        /// The job queue, which finishes idle patients while no drive is attached.
        var queue: JobQueue?
        var retention: Retention
        var labelReader: ReloadableLabelReader
    }

    private let options: DaemonOptions
    private let targets: Targets
    private let running: Mutex<Configuration>
    private let logger = Logger(label: "reload")

    /// Makes the reloader of a daemon started with `options` and `configuration`.
    init(options: DaemonOptions, configuration: Configuration, targets: Targets) {
        self.options = options
        self.targets = targets
        self.running = Mutex(configuration)
    }

    /// The configuration in effect.
    var configuration: Configuration {
        running.withLock { $0 }
    }

    /// Tells systemd about the reload, reads the file and the command-line options again,
    /// applies the reloadable changes and logs the rest.
    /// - Returns: the plan that was applied, or nil when the file was invalid.
    @discardableResult
    func reload() -> ReloadPlan? {
        notifySystemd("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds())")
        defer { notifySystemd("READY=1") }

        let loaded: LoadedConfiguration
        do {
            loaded = try options.loadConfiguration()
        } catch let error as ConfigurationError {
            for problem in error.problems {
                logger.error(problem)
            }
            logger.error(
                "SIGHUP: the configuration file is invalid, so the running configuration "
                    + "stays; fix the file and send SIGHUP again")
            return nil
        } catch {
            logger.error(
                "SIGHUP: the configuration cannot be read, so the running configuration "
                    + "stays: \(error)")
            return nil
        }

        let plan = running.withLock { configuration in
            let plan = ReloadPlan(running: configuration, loaded: loaded.configuration)
            configuration = plan.configuration
            return plan
        }
        apply(plan.configuration)
        log(plan, file: loaded.filePath)
        return plan
    }

    /// Hands every reloadable value to the part that uses it.
    private func apply(_ configuration: Configuration) {
        Logger.setThreshold(configuration.logLevel)
        targets.accessControl.setEnabled(configuration.accessControl)
        targets.ingest.update(
            highWaterPercent: configuration.spoolHighWater,
            transcodeTo: configuration.transcodeTo)
        targets.queue?.setCompletionTimeout(TimeInterval(configuration.completionTimeout))
        for engine in targets.engines() {
            engine.updateConfiguration {
                $0.completionTimeout = TimeInterval(configuration.completionTimeout)
                $0.maxConsecutiveRejects = configuration.maxConsecutiveRejects
                $0.blankRewritable = configuration.blankRewritable
            }
        }
        targets.retention.update(RetentionSettings(configuration))
        targets.labelReader.update(configuredInstitution: configuration.labelInstitution)
    }

    private func log(_ plan: ReloadPlan, file: String?) {
        let source = file.map { "from \($0)" } ?? "(no configuration file; defaults and options)"
        let describe = { (changes: [ReloadPlan.Change]) in
            changes.map { "\($0.key) \($0.running) -> \($0.loaded)" }.joined(separator: ", ")
        }
        if plan.applied.isEmpty && plan.needsRestart.isEmpty {
            logger.notice("SIGHUP: configuration read again \(source); nothing changed")
            return
        }
        if !plan.applied.isEmpty {
            logger.notice(
                "SIGHUP: configuration read again \(source); now in effect: "
                    + describe(plan.applied),
                ["reload.applied": plan.applied.map(\.key).joined(separator: ",")])
        }
        if !plan.needsRestart.isEmpty {
            logger.warning(
                "SIGHUP: these changes need a restart and keep their running values until "
                    + "then: " + describe(plan.needsRestart)
                    + "; restart with systemctl restart mediacenterd",
                ["reload.restart": plan.needsRestart.map(\.key).joined(separator: ",")])
        }
        if plan.applied.contains(where: { $0.key == "access_control" }),
            !plan.configuration.accessControl
        {
            logger.warning(Daemon.openModeWarning)
        }
    }

    private func notifySystemd(_ state: String) {
        _ = sd_notify(0, state)
    }

    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
