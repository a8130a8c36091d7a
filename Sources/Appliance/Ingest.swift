import DicomNetwork
import Foundation
import Glibc
import MediaCenterCore
import PatientStore

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
    private let highWaterPercent: Int
    private let transcodeTo: TransferSyntax?
    private let logger = Logger(label: "ingest")

    /// Makes the delegate.
    /// - Parameters:
    ///   - accessControl: Decides on association requests; nil accepts every request.
    ///   - highWaterPercent: While more than this share of the spool's file system is in
    ///     use, new instances get status A700; 100 turns the check off.
    ///   - transcodeTo: The transfer syntax each instance is converted to before it enters
    ///     the spool; nil keeps every instance byte for byte as received.
    public init(
        spool: Spool, store: PatientStore, accessControl: AccessControl? = nil,
        highWaterPercent: Int = 100, transcodeTo: TransferSyntax? = nil
    ) {
        self.spool = spool
        self.store = store
        self.accessControl = accessControl
        self.highWaterPercent = highWaterPercent
        self.transcodeTo = transcodeTo
    }

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

        if highWaterPercent < 100, let used = spool.usedPercent(), used > Double(highWaterPercent) {
            unlink(temporary)
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
                let status: UInt16 = error.code == .parseFailure ? 0xC000 : 0xA700
                return reject(status, "instance cannot be transcoded", fields, cause: error)
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
        let keys: InstanceKeys
        let synced: Result<Void, any Error>
        if case .parsed = received.dataSet {
            // The keys come from the data set in memory at almost no cost.
            do {
                keys = try InstanceKeys(received)
            } catch {
                unlink(temporary)
                return reject(0xC000, "data set cannot be parsed", fields, cause: error)
            }
            synced = Result { try spool.syncReceivedFile(temporary) }
        } else {
            // The file must be parsed. That parse and the fsync need nothing from each
            // other, so the parse runs on another thread while this one syncs.
            let parse = Background { [received] in try InstanceKeys(received) }
            synced = Result { try spool.syncReceivedFile(temporary) }
            switch parse.wait() {
            case .success(let parsed):
                keys = parsed
            case .failure(let error):
                unlink(temporary)
                return reject(0xC000, "data set cannot be parsed", fields, cause: error)
            }
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

    /// Logs each association event once: failures and rejections as warnings, the rest at
    /// info, and echoes at debug because monitoring systems send them every few seconds.
    public func associationEvent(_ event: AssociationEvent) {
        switch event {
        case .rejected, .failed, .storeFailed:
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
