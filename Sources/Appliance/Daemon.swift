import CSystemd
import ControlProtocol
import DicomNetwork
import DiscBurner
import Foundation
import Glibc
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore

/// The daemon: wires the Storage SCP, the patient store, the job engine with its drive,
/// and the control socket, then waits for SIGTERM or SIGINT.
public enum Daemon {
    /// Runs the daemon with the command-line `arguments` (without the program name) and
    /// returns its exit code: 0 after a clean stop, 1 on a failure at start, 2 for an
    /// invalid command line or configuration file.
    public static func run(_ arguments: [String]) -> Int32 {
        let loaded: LoadedConfiguration
        let options: DaemonOptions
        do {
            switch try DaemonOptions.parse(arguments) {
            case .help:
                print(DaemonOptions.usage)
                return 0
            case .version:
                print("mediacenterd \(ImplementationIdentity.productVersion)")
                return 0
            case .printConfiguration(let options):
                let configuration = try options.loadConfiguration().configuration
                print(ConfigurationFile.format(configuration), terminator: "")
                return 0
            case .run(let parsed):
                options = parsed
                loaded = try options.loadConfiguration()
            }
        } catch let error as ConfigurationError {
            for problem in error.problems {
                FileHandle.standardError.write(Data("mediacenterd: \(problem)\n".utf8))
            }
            return 2
        } catch {
            FileHandle.standardError.write(Data("mediacenterd: \(error)\n".utf8))
            return 2
        }

        let configuration = loaded.configuration
        Logger.setThreshold(configuration.logLevel)
        let logger = Logger(label: "mediacenterd")
        if let path = loaded.filePath {
            logger.notice("configuration read from \(path)", ["config.file": path])
        } else {
            logger.notice(
                "no configuration file at \(Configuration.defaultFilePath); built-in "
                    + "defaults and command-line options apply")
        }

        // Signals are taken by sigwait on this thread; every thread started later
        // inherits the mask, so none of them is interrupted by one.
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, number) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        do {
            let running = try start(
                configuration, options: options, loaded: loaded, logger: logger)
            Watchdog.startIfEnabled(logger: logger)
            waitForStop(signals, reloader: running.reloader, logger: logger)
            _ = sd_notify(0, "STOPPING=1")
            running.stop()
            logger.notice("mediacenterd stopped")
            return 0
        } catch {
            logger.error("mediacenterd cannot start: \(error)")
            return 1
        }
    }

    /// The started parts, stopped in reverse order.
    private struct Running {
        let scp: StorageSCP
        let control: ControlServer
        let panel: PanelService
        let drives: DriveSetup
        let retention: Retention
        let reloader: ConfigurationReloader
        /// The descriptor holding the data directory's lock.
        let lock: Int32

        func stop() {
            scp.stop()
            control.stop()
            panel.stop()
            drives.stop()
            retention.stop()
            close(lock)
        }
    }

    private static func start(
        _ configuration: Configuration, options: DaemonOptions, loaded: LoadedConfiguration,
        logger: Logger
    ) throws -> Running {
        let viewer = try configuration.checkViewer()
        let data = configuration.dataDirectory
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: data, isDirectory: &isFolder), !isFolder.boolValue
        {
            throw MediaCenterError(
                .invalidArgument,
                "data_dir (--data-dir) \(data) is a file, not a folder; give a folder")
        }
        for folder in [data, data + "/discs", data + "/staging"] {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw MediaCenterError(
                    .ioFailure,
                    "cannot create the folder \(folder); check data_dir (--data-dir) and "
                        + "its permissions", cause: error.localizedDescription)
            }
        }
        let lock = try lockDataDirectory(data)

        try DicomToolkit.initialize()
        let spool = try Spool(root: data + "/spool")
        let removed = spool.removeTemporaryFiles()
        if removed > 0 {
            logger.notice(
                "removed \(removed) incomplete \(removed == 1 ? "receive" : "receives") that "
                    + "\(removed == 1 ? "was" : "were") never acknowledged")
        }
        let store = try PatientStore(path: data + "/mediacenter.db")
        _ = try SpoolRecovery(spool: spool, store: store).run()

        let fileSets = DicomFileSets(
            sourceAETitle: configuration.aeTitles[0],
            consistencyFlag: configuration.consistencyFlag, viewer: viewer)
        let labelReader = ReloadableLabelReader(
            DicomLabelReader(configuredInstitution: configuration.labelInstitution))
        let setup = try DriveSetup.start(
            configuration, store: store, dataDirectory: data, fileSets: fileSets,
            labelReader: labelReader, logger: logger)
        let engine = setup.queue

        let accessControl = try AccessControl(store: store, enabled: configuration.accessControl)
        if !configuration.accessControl {
            logger.warning(Self.openModeWarning)
        } else if accessControl.list.isEmpty {
            logger.warning(
                "the access list is empty, so every association is rejected; add the "
                    + "sending systems with mediacenterctl aet add AET HOST")
        }

        // The front panel: LEDs that follow the store and the drive, buttons that act on
        // the engine, and the console's panel and press commands.
        let panel = PanelService(
            hardware: try PanelService.openHardware(configuration, logger: logger),
            store: store, engine: engine, drives: { setup.drives },
            drivesWaitingForMedia: { setup.drivesWaitingForMedia },
            mediaMissing: setup.mediaMissing,
            stateFile: data + "/panel.json")
        panel.start()

        let listener = "\(configuration.bindAddress):\(configuration.port)"
        let aeTitles = configuration.aeTitles.joined(separator: ",")
        // The field engineer's console: status, drives, cancel, eject, config, log, selftest.
        let console = ConsoleContext(
            loaded: loaded, drives: { setup.drives }, changer: setup.changer,
            spoolDirectory: spool.root,
            authorization: EngineerAuthorization(groupName: configuration.engineersGroup))
        let control = ControlServer(
            path: data + "/" + controlSocketName, store: store, engine: engine,
            accessControl: accessControl, panel: panel, console: console,
            status: {
                [
                    "version": ImplementationIdentity.productVersion,
                    "listener": listener, "aeTitles": aeTitles,
                    "drive": setup.drives.map(\.name).joined(separator: ","),
                ].merging(spoolStatus(spool: spool, store: store)) { $1 }
            })
        try control.start()

        let retention = Retention(
            spool: spool, store: store, settings: RetentionSettings(configuration))
        let ingest = Ingest(
            spool: spool, store: store, accessControl: accessControl,
            highWaterPercent: configuration.spoolHighWater,
            transcodeTo: configuration.transcodeTo, spoolFull: { retention.requestPass() })
        let scp = StorageSCP(configuration: configuration.storageSCP, delegate: ingest)
        do {
            try scp.start()
        } catch {
            control.stop()
            panel.stop()
            setup.stop()
            throw error
        }

        // Retention starts once the engines run, so its first pass finds jobs that were
        // interrupted queued again, never done.
        retention.start()
        let reloader = ConfigurationReloader(
            options: options, configuration: configuration,
            targets: .init(
                ingest: ingest, accessControl: accessControl, engines: { engine.engines },
                queue: engine,
                retention: retention, labelReader: labelReader))

        _ = sd_notify(0, "READY=1")
        logger.notice(
            "mediacenterd \(ImplementationIdentity.productVersion) ready",
            ["listener": listener, "ae.titles": aeTitles, "data.dir": data])
        return Running(
            scp: scp, control: control, panel: panel, drives: setup, retention: retention,
            reloader: reloader, lock: lock)
    }

    /// Takes an exclusive `flock(2)` on a lock file in the data directory, so a second
    /// daemon cannot share the database, the spool and the drive. The lock goes with the
    /// process, also when it is killed.
    /// - Returns: the descriptor that holds the lock; it stays open until the process ends.
    private static func lockDataDirectory(_ data: String) throws -> Int32 {
        let path = data + "/mediacenterd.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw MediaCenterError.fromErrno(.ioFailure, "cannot create \(path)", call: "open")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw MediaCenterError(
                .invalidArgument,
                "another mediacenterd already uses the data directory \(data); stop it "
                    + "first or give this one another folder (data_dir, --data-dir)")
        }
        return descriptor
    }

    /// Returns the spool's free space, the bytes retention could free, and the count of
    /// recorded instances whose spool file is missing, for `mediacenterctl status`. A value
    /// that cannot be read is left out.
    private static func spoolStatus(spool: Spool, store: PatientStore) -> [String: String] {
        var status: [String: String] = [:]
        if let space = spool.fileSystemSpace() {
            status["spoolAvailableBytes"] = String(space.availableBytes)
        }
        if let reclaimable = try? store.reclaimableBytes() {
            status["spoolReclaimableBytes"] = String(reclaimable)
        }
        if let missing = try? store.missingSpoolFiles() {
            status["missingSpoolFiles"] = String(missing.count)
        }
        return status
    }

    static let openModeWarning =
        "access control is off (open mode): every calling AE title from every host is "
        + "accepted; set access_control = on outside a lab"

    /// Waits for SIGTERM or SIGINT, and reloads the configuration on SIGHUP. In open mode
    /// the warning about it is logged again every hour, so that it stays in sight in the
    /// journal.
    private static func waitForStop(
        _ signals: sigset_t, reloader: ConfigurationReloader, logger: Logger
    ) {
        var signals = signals
        while true {
            var hour = timespec(tv_sec: 3600, tv_nsec: 0)
            let received = sigtimedwait(&signals, nil, &hour)
            if received < 0 {
                if errno == EAGAIN && !reloader.configuration.accessControl {
                    logger.warning(openModeWarning)
                }
                continue
            }
            if received == SIGHUP {
                reloader.reload()
                continue
            }
            logger.notice("signal \(received) received, stopping")
            return
        }
    }
}
