import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import TestSupport
import Testing

extension DiscBurnerTests {
    /// The file-set check that a drive's verify runs on the disc it read back.
    @Suite struct DiscFileSetCheckTests {
        /// Writes the sample file-set, changed by `change` after it was made, to a virtual
        /// disc and returns the error its verify throws, or nil when it verifies.
        private func verifyError(
            profile: ApplicationProfile = .generalPurposeCD,
            _ change: (_ fileSet: String) throws -> Void = { _ in }
        ) throws -> MediaCenterError? {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            try change(workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            var written = try drive.write(directory: workspace.fileSet, volumeID: "SET1")
            written.profile = profile

            do {
                let verification = try drive.verify(written)
                #expect(verification.matches)
                return nil
            } catch let error as MediaCenterError {
                return error
            }
        }

        /// Replaces the DICOMDIR of the file-set at `fileSet` with `bytes`.
        private func writeDicomDir(_ bytes: [UInt8], in fileSet: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: fileSet + "/DICOMDIR"))
        }

        @Test func goodDiscVerifies() throws {
            #expect(try verifyError() == nil)
        }

        /// Replaces the sample DICOMDIR with one whose first image is in JPEG Lossless SV1.
        private func useJPEGLossless(in fileSet: String) throws {
            var records = sampleRecords
            records[4].transferSyntaxUID = "1.2.840.10008.1.2.4.70"
            try writeDicomDir(encodeDicomDir(records), in: fileSet)
        }

        @Test func jpegLosslessFailsOnCDProfile() throws {
            let error = try #require(try verifyError(useJPEGLossless))

            #expect(error.code == .mediaFailure)
            #expect(
                error.message.contains(
                    "DICOM\\P0000001\\S0000001\\I0000001 names transfer syntax "
                        + "\"1.2.840.10008.1.2.4.70\", which STD-GEN-CD does not allow"),
                "\(error.message)")
        }

        @Test func jpegLosslessVerifiesOnDVDProfile() throws {
            #expect(try verifyError(profile: .generalPurposeDVDJPEG, useJPEGLossless) == nil)
        }

        @Test func missingTransferSyntaxFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    var records = sampleRecords
                    records[7].transferSyntaxUID = ""
                    try writeDicomDir(encodeDicomDir(records), in: fileSet)
                })

            #expect(error.message.contains("names transfer syntax \"\""), "\(error.message)")
        }

        @Test func missingReferencedFileFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try FileManager.default.removeItem(
                        atPath: fileSet + "/DICOM/P0000001/S0000002/I0000001")
                })

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("failed its check"))
            #expect(
                error.message.contains(
                    "references DICOM/P0000001/S0000002/I0000001, which is not a file on the disc"))
        }

        @Test func unreferencedFileFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try Data([1, 2, 3]).write(
                        to: URL(fileURLWithPath: fileSet + "/DICOM/P0000001/EXTRA"))
                })

            #expect(error.code == .mediaFailure)
            #expect(
                error.message.contains(
                    "contains DICOM/P0000001/EXTRA, which no DICOMDIR record references"))
        }

        @Test func missingDicomDirFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try FileManager.default.removeItem(atPath: fileSet + "/DICOMDIR")
                })

            #expect(error.message.contains("no DICOMDIR file at its root"))
        }

        @Test func dicomDirWithoutPrefixFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(pseudoRandomBytes(count: 3_000, seed: 1), in: fileSet)
                })

            #expect(error.message.contains("no DICM prefix"))
        }

        @Test func cutOffDicomDirFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(
                        Array(encodeDicomDir(sampleRecords).dropLast(30)), in: fileSet)
                })

            #expect(error.message.contains("the DICOMDIR is cut off"))
        }

        @Test func offsetBesideRecordFails() throws {
            var records = sampleRecords
            records[4].next = .offset(1234)

            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(encodeDicomDir(records), in: fileSet)
                })

            #expect(error.message.contains("points to offset 1234, where no record starts"))
        }

        @Test func rootOffsetBesideRecordFails() throws {
            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(
                        encodeDicomDir(sampleRecords, rootOffsets: (200, 200)), in: fileSet)
                })

            #expect(error.message.contains("first root record (0004,1200) is 200"))
        }

        @Test func recordReachedTwiceFails() throws {
            var records = sampleRecords
            records[5].next = .record(4)

            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(encodeDicomDir(records), in: fileSet)
                })

            #expect(error.message.contains("is reached twice"))
        }

        @Test func unreachableRecordFails() throws {
            var records = sampleRecords
            records[2].next = nil

            let error = try #require(
                try verifyError { fileSet in
                    try writeDicomDir(encodeDicomDir(records), in: fileSet)
                })

            #expect(error.message.contains("3 DICOMDIR records are not reachable from the root"))
        }

        @Test func escapingPathsFail() throws {
            let cases: [([String], String)] = [
                (["DICOM", "..", "..", "ETC"], "which leaves the file-set with .."),
                (["", "DICOM", "P0000001"], "the absolute path"),
                (Array(repeating: "A", count: 9), "which has 9 levels, more than 8"),
                (["DICOM", "p0000001"], "not made of ISO 9660 level 1 names"),
            ]
            for (fileID, expected) in cases {
                var records = sampleRecords
                records[7].fileID = fileID

                let error = try #require(
                    try verifyError { fileSet in
                        try writeDicomDir(encodeDicomDir(records), in: fileSet)
                    })

                #expect(error.message.contains(expected), "\(fileID)")
            }
        }

        @Test func changedSectorFailsDigestFirst() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            try drive.load(.verifyError)
            let written = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let verification = try drive.verify(written)

            #expect(!verification.matches)
        }
    }
}
