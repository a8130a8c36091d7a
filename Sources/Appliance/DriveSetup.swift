import DeviceTracking
import DiscBurner
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import ScsiChanger
import Synchronization

/// The drives, the changer and the job queue of the running daemon, made from the
/// configuration: virtual drives with a simulated or manual changer on the embedded
/// default, or the optical drives that udev reports with a manual changer on a device.
struct DriveSetup: Sendable {
    let queue: JobQueue
    let changer: any DiscChanger
    /// The udev monitor of optical drives, or nil for virtual drives.
    let monitor: DeviceMonitor?
    /// The registry of tracked devices, or nil for virtual drives.
    let registry: DeviceRegistry?

    /// The drives that jobs run on now.
    var drives: [any DiscDrive] { queue.drives }

    /// The names of the drives whose job waits for an operator to load a disc.
    var drivesWaitingForMedia: [String] {
        (changer as? ManualChanger)?.drivesWaitingForMedia ?? []
    }

    /// Whether a tracked optical drive has no medium, as udev reports it, or nil for
    /// virtual drives, whose media the panel inspects itself.
    var mediaMissing: (@Sendable () -> Bool)? {
        guard let registry else { return nil }
        return { registry.drives.contains { $0.media == nil } }
    }

    /// Makes and starts the drives, the changer and the job queue.
    /// - Throws: `ConfigurationError` for a changer that does not fit the drives, and
    ///   whatever a drive or the udev monitor throws at start.
    static func start(
        _ configuration: Configuration, store: PatientStore, dataDirectory data: String,
        fileSets: any FileSetMaking, labelReader: any DiscLabelReading, logger: Logger
    ) throws -> DriveSetup {
        let engineConfiguration = JobEngineConfiguration(
            completionTimeout: TimeInterval(configuration.completionTimeout),
            stagingDirectory: data + "/staging",
            maxConsecutiveRejects: configuration.maxConsecutiveRejects,
            profileSelection: configuration.mediaProfile,
            blankRewritable: configuration.blankRewritable)
        @Sendable func engine(
            _ drive: any DiscDrive, _ changer: any DiscChanger, _ presence: (any DrivePresence)?
        ) -> JobEngine {
            JobEngine(
                store: store, drive: drive, changer: changer, fileSets: fileSets,
                labelReader: labelReader, presence: presence, configuration: engineConfiguration,
                logger: Logger(label: "jobs"))
        }

        switch configuration.drives {
        case .virtual:
            let capacity = Int64(configuration.virtualDiscCapacityMiB) * 1024 * 1024
            let drives = try (0..<configuration.virtualDrives).map { number in
                try VirtualDrive(
                    name: "virtual\(number)", folder: data + "/discs/virtual\(number)",
                    capacityBytes: capacity, media: configuration.virtualMedia)
            }
            let changer: any DiscChanger =
                switch configuration.changer {
                case .simulated:
                    try SimulatedChanger(
                        name: "simulated0", drives: drives, supply: configuration.simulatedSupply,
                        stateFile: data + "/discs/changer.json")
                case .manual:
                    try ManualChanger(name: "manual0", drives: drives)
                case .scsi:
                    // checkCombinations rejects a SCSI changer with virtual drives.
                    throw MediaCenterError(
                        .invalidConfiguration, "changer = scsi needs drives = optical")
                }
            let queue = JobQueue(
                store: store, engines: drives.map { engine($0, changer, nil) })
            try queue.start()
            return DriveSetup(queue: queue, changer: changer, monitor: nil, registry: nil)

        case .optical:
            try configuration.checkCombinations()
            let queue = JobQueue(
                store: store, engines: [],
                completionTimeout: TimeInterval(configuration.completionTimeout))
            try queue.start()
            let registry = DeviceRegistry()
            let monitor = DeviceMonitor(source: try LibudevSource(), registry: registry)
            try monitor.start()
            if registry.drives.isEmpty {
                logger.warning(
                    "no optical drive found; jobs wait until udev reports one (check the "
                        + "drive's cable and that udev tags it, with udevadm info /dev/sr0)")
            }

            let manual =
                configuration.changer == .manual
                ? try ManualChanger(name: "manual0", drives: []) : nil
            let changer: any DiscChanger =
                try manual ?? scsiChanger(configuration.scsiChanger, registry: registry)
            let fleet = DriveFleet(registry: registry, queue: queue, logger: logger) { node in
                guard changer.driveNames.contains(node) || manual != nil else {
                    throw MediaCenterError(
                        .invalidConfiguration,
                        "\(node) is not one of the changer's drives; add it to "
                            + "scsi_changer_drives with its element address")
                }
                let drive = OpticalDrive(address: node, speed: configuration.burnSpeed)
                try manual?.addDrive(drive)
                return engine(drive, changer, registry)
            }
            fleet.start()
            return DriveSetup(queue: queue, changer: changer, monitor: monitor, registry: registry)
        }
    }

    /// Starts the SCSI medium changer of `settings`: the node it names, or the first
    /// changer udev reports. Each drive's tray opens and closes through libburn.
    private static func scsiChanger(
        _ settings: ScsiChangerSettings, registry: DeviceRegistry
    ) throws -> ScsiMediaChanger {
        let node =
            settings.device.isEmpty
            ? registry.changers.compactMap(\.genericNode).first : settings.device
        guard let node else {
            throw MediaCenterError(
                .notFound,
                "no SCSI medium changer found; check its cable and power, or set "
                    + "scsi_changer_device to its SCSI generic node")
        }
        let trays = DriveTrayActions(
            open: { try OpticalDrive(address: $0).eject() },
            close: { try OpticalDrive(address: $0).closeTray() })
        return try ScsiMediaChanger(
            configuration: ScsiChangerConfiguration(
                name: "changer0", input: settings.input, output: settings.output,
                reject: settings.reject, drives: settings.drives),
            transport: try SgioTransport(path: node), tray: trays)
    }

    /// Stops the job engines, each after the step it is in, then the udev monitor.
    func stop() {
        queue.stop()
        monitor?.stop()
        registry?.finishStreams()
    }
}

/// The optical drives that udev reports. Each drive found, at start or when plugged in
/// later, gets one job engine in the queue. A drive that goes away keeps its engine,
/// which takes no job until the drive is back.
public final class DriveFleet: Sendable {
    private let registry: DeviceRegistry
    private let queue: JobQueue
    private let logger: Logger
    private let makeEngine: @Sendable (String) throws -> JobEngine
    /// The device nodes that have an engine.
    private let adopted = Mutex<Set<String>>([])

    /// Makes a fleet that adds the engine `makeEngine` returns for each drive's device
    /// node to `queue`.
    public init(
        registry: DeviceRegistry, queue: JobQueue, logger: Logger,
        makeEngine: @escaping @Sendable (String) throws -> JobEngine
    ) {
        self.registry = registry
        self.queue = queue
        self.logger = logger
        self.makeEngine = makeEngine
    }

    /// Adopts the drives tracked now and every drive added later.
    public func start() {
        _ = registry.addObserver { [self] event in
            if case .driveAdded(let drive) = event {
                adopt(drive.devnode)
            }
        }
        for drive in registry.drives {
            adopt(drive.devnode)
        }
    }

    /// Gives the drive at `node` an engine, once.
    private func adopt(_ node: String) {
        let isNew = adopted.withLock { $0.insert(node).inserted }
        guard isNew else { return }
        do {
            try queue.add(try makeEngine(node))
            logger.notice("optical drive found; it takes jobs", ["drive.name": node])
        } catch {
            adopted.withLock { _ = $0.remove(node) }
            logger.error(
                "optical drive found but it cannot take jobs: \(error)", ["drive.name": node])
        }
    }
}
