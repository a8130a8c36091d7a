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
    /// The viewer program copied to every disc, or nil for none. The job engine measures
    /// it with the rest of each disc's overhead, because the whole-patient build that
    /// plans a span contains it too.
    public let viewer: ViewerPayload?

    /// Makes the file-set maker.
    public init(
        sourceAETitle: String,
        consistencyFlag: FileSetConsistencyFlag = .noKnownInconsistencies,
        viewer: ViewerPayload? = nil
    ) {
        self.sourceAETitle = sourceAETitle
        self.consistencyFlag = consistencyFlag
        self.viewer = viewer
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
            discNumber: plan.discNumber, discCount: plan.discCount, createdAt: Date(),
            profile: plan.profile)
        let result = try FileSetBuilder(consistencyFlag: consistencyFlag, viewer: viewer).build(
            fileSet, into: directory)
        return result.files.map(\.byteCount)
    }
}
