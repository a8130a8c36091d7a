import DicomNetwork
import Foundation
import Glibc
import MediaCenterCore
import PatientStore

/// Takes each received C-STORE data set from the Storage SCP, checks it, makes it durable
/// in the spool and records it, and decides the status that goes back.
///
/// Status 0000 goes back only after the file and its folder are synced and the instance is
/// committed in the database, so an acknowledged image survives a crash or power cut.
public final class Ingest: StorageDelegate {
    private let spool: Spool
    private let store: PatientStore
    private let logger = Logger(label: "ingest")

    /// Elements longer than this are not read while checking a data set, so pixel data
    /// of large multi-frame instances stays on disk.
    private static let maxValueLength: UInt32 = 4096

    public init(spool: Spool, store: PatientStore) {
        self.spool = spool
        self.store = store
    }

    public func temporaryPath() -> String {
        spool.temporaryPath()
    }

    public func store(_ instance: ReceivedInstance) -> StoreResponse {
        let fields: LogMetadata = [
            "calling.ae": instance.callingAETitle, "sop.instance": instance.sopInstanceUID,
        ]
        let temporary = instance.temporaryPath

        let file: DicomFile
        do {
            file = try DicomFile(path: temporary, maxValueLength: Ingest.maxValueLength)
        } catch {
            unlink(temporary)
            return reject(0xC000, "data set cannot be parsed", fields, cause: error)
        }

        let sopClass = file.string(0x0008, 0x0016) ?? ""
        let sopInstance = file.string(0x0008, 0x0018) ?? ""
        guard sopClass == instance.sopClassUID, sopInstance == instance.sopInstanceUID else {
            unlink(temporary)
            return reject(
                0xA900, "SOP Class or Instance UID of the data set differs from the request",
                fields)
        }
        guard let study = file.string(0x0020, 0x000D), !study.isEmpty,
            let series = file.string(0x0020, 0x000E), !series.isEmpty
        else {
            unlink(temporary)
            return reject(0xC000, "data set has no Study or Series Instance UID", fields)
        }

        let identity = PatientIdentity(
            patientID: file.string(0x0010, 0x0020),
            accessionNumber: file.string(0x0008, 0x0050), studyInstanceUID: study)
        let nameBytes = file.bytes(0x0010, 0x0010) ?? []
        let name = file.utf8String(0x0010, 0x0010) ?? ""

        let path: String
        let size: Int64
        do {
            (path, size) = try spool.commit(temporaryPath: temporary)
        } catch {
            unlink(temporary)
            return reject(0xA700, "instance cannot be written to the spool", fields, cause: error)
        }

        do {
            let outcome = try store.record(
                IncomingInstance(
                    spoolPath: path, size: size, sopClassUID: sopClass,
                    sopInstanceUID: sopInstance, transferSyntaxUID: instance.transferSyntaxUID,
                    studyInstanceUID: study, seriesInstanceUID: series,
                    patientNameBytes: nameBytes, patientName: name,
                    patientID: identity.patientID, patientIDGenerated: identity.generated,
                    callingAETitle: instance.callingAETitle))
            var stored = fields
            stored["job.id"] = String(outcome.collectionID)
            if let replaced = outcome.replacedSpoolPath {
                unlink(replaced)
                logger.info("duplicate instance replaced the earlier copy", stored)
            }
            if outcome.openedCollection {
                logger.info("new patient collection opened", stored)
                logger.debug(
                    "collection patient: \(name) ID \(identity.patientID)"
                        + (identity.generated ? " (generated)" : ""), stored)
            }
            logger.debug("instance stored with status 0000", stored)
            return StoreResponse(status: 0x0000, errorComment: nil)
        } catch {
            unlink(path)
            return reject(0xA700, "instance cannot be recorded in the database", fields, cause: error)
        }
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
