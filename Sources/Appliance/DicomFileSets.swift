import FileSetBuilder
import Foundation
import JobEngine
import MediaCenterCore

/// Backs the job engine's file-sets with the DICOM File-set Creator.
public struct DicomFileSets: FileSetMaking {
    /// Our AE title, written as Source AE Title into each file on the disc.
    public let sourceAETitle: String
    /// The File-set Consistency Flag of each DICOMDIR.
    public let consistencyFlag: FileSetConsistencyFlag

    /// Makes the file-set maker.
    public init(
        sourceAETitle: String,
        consistencyFlag: FileSetConsistencyFlag = .noKnownInconsistencies
    ) {
        self.sourceAETitle = sourceAETitle
        self.consistencyFlag = consistencyFlag
    }

    public func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64] {
        let instances = plan.instances.map {
            FileSetInstance(
                sourcePath: $0.spoolPath, sopInstanceUID: $0.sopInstanceUID,
                studyInstanceUID: $0.studyInstanceUID, seriesInstanceUID: $0.seriesInstanceUID)
        }
        let fileSet = FileSetPlan(
            instances: instances,
            patientID: plan.collection.patientIDGenerated ? plan.collection.patientID : nil,
            sourceAETitle: sourceAETitle, fileSetID: "MEDIACENTER\(plan.collection.id % 100_000)",
            discNumber: plan.discNumber, discCount: plan.discCount, createdAt: Date())
        let result = try FileSetBuilder(consistencyFlag: consistencyFlag).build(
            fileSet, into: directory)
        return result.files.map(\.byteCount)
    }
}
