import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import TestSupport
import Testing

@testable import FileSetBuilder

/// File-sets from the real builder, written to a virtual disc and checked by the drive's
/// read-back, so the disc's own DICOMDIR reader meets DCMTK's output.
@Suite struct WrittenDiscCheckTests {
    let builder = FileSetBuilder()

    /// Test files with distinct SOP Instance UIDs: images, an RT plan and an SR document.
    private let names = [
        "CT_small.dcm", "MR_small.dcm", "US1_UNCR.dcm", "rtplan.dcm", "test-SR.dcm",
    ]

    /// Builds a file-set of ``names`` and applies `change` to the staged folder after the
    /// builder's validator passed it. Then writes the folder to a virtual disc and returns
    /// the error that verify throws, or nil when the disc verifies.
    private func verifyError(
        _ change: (_ fileSet: String) throws -> Void = { _ in }
    ) throws -> MediaCenterError? {
        let work = try TestFiles.makeTemporaryFolder("writtendisc")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try makePlan(names)
        let built = try builder.build(plan, into: work + "/fileset")
        #expect(built.files.count == names.count)
        try change(work + "/fileset")

        let drive = try VirtualDrive(name: "virtual0", folder: work + "/discs")
        let written = try drive.write(directory: work + "/fileset", volumeID: "TEST_DISC")
        do {
            let verification = try drive.verify(written)
            #expect(verification.matches)
            return nil
        } catch let error as MediaCenterError {
            return error
        }
    }

    @Test func builtFileSetVerifies() throws {
        #expect(try verifyError() == nil)
    }

    @Test func removedMediaFileFailsVerification() throws {
        let error = try #require(
            try verifyError { fileSet in
                try FileManager.default.removeItem(
                    atPath: fileSet + "/DICOM/ST000001/SE000001/IM000001")
            })

        #expect(error.code == .mediaFailure)
        #expect(
            error.message.contains(
                "the DICOMDIR references DICOM/ST000001/SE000001/IM000001, which is not a file "
                    + "on the disc"))
    }

    @Test func addedMediaFileFailsVerification() throws {
        let error = try #require(
            try verifyError { fileSet in
                try FileManager.default.copyItem(
                    atPath: fileSet + "/DICOM/ST000001/SE000001/IM000001",
                    toPath: fileSet + "/DICOM/ST000001/SE000001/IM999999")
            })

        #expect(error.code == .mediaFailure)
        #expect(error.message.contains("contains DICOM/ST000001/SE000001/IM999999"))
    }
}
