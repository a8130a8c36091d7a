import DicomNetwork
import Foundation
import Glibc
import MediaCenterCore
import PatientStore
import Synchronization

/// Takes each received C-STORE data set from the Storage SCP, checks it, makes it durable
/// in the spool and records it, and decides the status that goes back.
///
/// Status 0000 goes back only after the file is synced, renamed into the spool, its folder
/// synced, and the instance committed in the database. That commit skips its own fsync:
/// the synced spool file is the durable copy, and `SpoolRecovery` records again at start
/// any spool file whose row a power cut took away.
public final class Ingest: StorageDelegate {
    private let spool: Spool
    private let store: PatientStore
    private let accessControl: AccessControl?
    private let settings: Mutex<Settings>
    private let spoolFull: (@Sendable () -> Void)?
    private let logger = Logger(label: "ingest")

    /// Makes the delegate.
    /// - Parameters:
    ///   - accessControl: Decides on association requests; nil accepts every request.
    ///   - highWaterPercent: While more than this share of the spool's file system is in
    ///     use, new instances get status A700; 100 turns the check off.
    ///   - transcodeTo: The transfer syntax each instance is converted to before it enters
    ///     the spool; nil keeps every instance byte for byte as received.
    ///   - spoolFull: Called when an instance gets A700 because the spool is above its
    ///     high-water mark, so that retention can free space at once.
    public init(
        spool: Spool, store: PatientStore, accessControl: AccessControl? = nil,
        highWaterPercent: Int = 100, transcodeTo: TransferSyntax? = nil,
        spoolFull: (@Sendable () -> Void)? = nil
    ) {
        self.spoolFull = spoolFull
        self.spool = spool
        self.store = store
        self.accessControl = accessControl
        self.settings = Mutex(
            Settings(highWaterPercent: highWaterPercent, transcodeTo: transcodeTo))
    }

    /// The settings a reload may change; each C-STORE reads them once at its start.
    struct Settings: Sendable {
        var highWaterPercent: Int
        var transcodeTo: TransferSyntax?
    }

    /// Replaces the high-water mark and the transcoding target for the next C-STORE.
    /// A C-STORE in progress finishes with the values it started with.
    public func update(highWaterPercent: Int, transcodeTo: TransferSyntax?) {
        settings.withLock {
            $0 = Settings(highWaterPercent: highWaterPercent, transcodeTo: transcodeTo)
        }
    }

    /// The transfer syntaxes with compressed pixel data that the Storage SCP accepts.
    private static let compressedSyntaxes: Set<String> = [
        TransferSyntax.jpegLossless.rawValue, TransferSyntax.rleLossless.rawValue,
    ]

    public func authorize(_ request: AssociationRequest) -> AssociationDecision {
        accessControl?.decide(request) ?? .accept
    }

    public func temporaryPath() -> String {
        spool.temporaryPath()
    }

    public func store(_ instance: ReceivedInstance) -> StoreResponse {
        let fields: LogMetadata = [
            "calling.ae": instance.callingAETitle, "sop.instance": instance.sopInstanceUID,
        ]
        var temporary = instance.temporaryPath
        let (highWaterPercent, transcodeTo) = settings.withLock {
            ($0.highWaterPercent, $0.transcodeTo)
        }

        if highWaterPercent < 100, let used = spool.usedPercent(), used > Double(highWaterPercent) {
            unlink(temporary)
            spoolFull?()
            return reject(
                0xA700,
                "spool is \(Int(used)) % full, above its high-water mark of "
                    + "\(highWaterPercent) %", fields)
        }
        if let target = transcodeTo, target.rawValue != instance.transferSyntaxUID {
            let converted = spool.temporaryPath()
            do {
                try Transcoder.transcode(temporary, to: converted, transferSyntax: target)
            } catch let error as MediaCenterError {
                unlink(temporary)
                // A data set that DCMTK cannot read or decode is the sender's problem (C000);
                // only a write failure is a shortage here (A700).
                let unreadable = error.code == .parseFailure || error.code == .unsupported
                return reject(
                    unreadable ? 0xC000 : 0xA700, "instance cannot be transcoded", fields,
                    cause: error)
            } catch {
                unlink(temporary)
                return reject(0xA700, "instance cannot be transcoded", fields, cause: error)
            }
            unlink(temporary)
            temporary = converted
        }

        var received = instance
        if temporary != instance.temporaryPath {
            // The data set parsed in memory is in the received transfer syntax.
            received.temporaryPath = temporary
            received.dataSet = .notParsed
        }
        // Compressed pixel data is decoded once on receive, so that a damaged bitstream
        // gets C000 while the sender still has the instance, instead of failing the
        // patient's disc later. Transcoding has decoded it already.
        let checkPixels =
            temporary == instance.temporaryPath
            && Self.compressedSyntaxes.contains(received.transferSyntaxUID)
        let parsedInMemory: Bool
        if case .parsed = received.dataSet { parsedInMemory = true } else { parsedInMemory = false }

        // The file checks and the fsync need nothing from each other, so the checks run on
        // another thread while this one syncs. The keys of a data set parsed in memory
        // cost almost nothing and are read here.
        let path = temporary
        let fileChecks: Background<InstanceKeys?>? =
            parsedInMemory && !checkPixels
            ? nil
            : Background { [received] in
                if checkPixels { try Transcoder.checkPixelData(path) }
                return parsedInMemory ? nil : try InstanceKeys(received)
            }
        var keys: InstanceKeys?
        var unreadable: (any Error)?
        if parsedInMemory {
            do {
                keys = try InstanceKeys(received)
            } catch {
                unreadable = error
            }
        }
        let synced: Result<Void, any Error> =
            unreadable == nil ? Result { try spool.syncReceivedFile(temporary) } : .success(())
        switch fileChecks?.wait() {
        case .success(let parsed?):
            keys = parsed
        case .failure(let error):
            unreadable = unreadable ?? error
        default:
            break
        }
        guard let keys, unreadable == nil else {
            unlink(temporary)
            return reject(
                0xC000, "data set cannot be parsed or its pixel data decoded", fields,
                cause: unreadable)
        }
        if case .failure(let error) = synced {
            unlink(temporary)
            return reject(0xA700, "instance cannot be written to the spool", fields, cause: error)
        }

        guard keys.sopClassUID == instance.sopClassUID,
            keys.sopInstanceUID == instance.sopInstanceUID
        else {
            unlink(temporary)
            return reject(
                0xA900, "SOP Class or Instance UID of the data set differs from the request",
                fields)
        }

        let entry: SpoolEntry
        do {
            entry = try spool.moveIntoSpool(temporary)
        } catch {
            unlink(temporary)
            return reject(0xA700, "instance cannot be written to the spool", fields, cause: error)
        }

        // The instance is acknowledged only after both the database commit and the folder
        // sync, so their order does not matter: a crash between them loses nothing that was
        // acknowledged.
        let record = keys.incoming(
            spoolPath: entry.path, size: entry.size, callingAETitle: instance.callingAETitle)
        let outcome: RecordOutcome
        do {
            outcome = try store.record(record, sync: false)
        } catch {
            unlink(entry.path)
            return reject(
                0xA700, "instance cannot be recorded in the database", fields, cause: error)
        }
        do {
            try spool.syncFolder(entry.folder)
        } catch {
            // The row stays: the file exists, and a resent copy replaces it.
            return reject(0xA700, "spool folder cannot be synced", fields, cause: error)
        }

        var stored = fields
        stored["job.id"] = String(outcome.collectionID)
        if outcome.openedCollection {
            logger.info("new patient collection opened", stored)
            logger.debug(
                "collection patient: \(keys.patientName) ID \(keys.identity.patientID)"
                    + (keys.identity.generated ? " (generated)" : ""), stored)
        }
        if let replaced = outcome.replacedSpoolPath {
            unlink(replaced)
            if let earlier = outcome.replacedInCollection {
                let removal =
                    outcome.removedEmptyCollection ? ", which is now empty and removed" : ""
                logger.info(
                    "C-STORE status 0000: duplicate instance moved here from job \(earlier)"
                        + removal, stored)
            } else {
                logger.info(
                    "C-STORE status 0000: duplicate instance replaced the earlier copy", stored)
            }
        } else {
            logger.info("C-STORE status 0000: instance stored", stored)
        }
        return StoreResponse(status: 0x0000, errorComment: nil)
    }

    /// Logs each association event once: failures, rejections, and associations that ended
    /// in a timeout or a failure as warnings, the rest at info, and echoes at debug because
    /// monitoring systems send them every few seconds.
    public func associationEvent(_ event: AssociationEvent) {
        switch event {
        case .rejected, .failed, .storeFailed, .closed(_, .failed), .closed(_, .timedOut):
            logger.warning(event.description, event.metadata)
        case .echo:
            logger.debug(event.description, event.metadata)
        case .accepted, .closed:
            logger.info(event.description, event.metadata)
        }
    }

    private func reject(
        _ status: UInt16, _ reason: String, _ fields: LogMetadata, cause: Error? = nil
    ) -> StoreResponse {
        let hex = String(status, radix: 16, uppercase: true)
        let detail = cause.map { ": \($0)" } ?? ""
        logger.warning("C-STORE response status \(hex): \(reason)\(detail)", fields)
        return StoreResponse(status: status, errorComment: String(reason.prefix(64)))
    }
}
