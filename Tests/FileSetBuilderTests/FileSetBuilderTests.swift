import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// A test file, the DICOMDIR record type it gets, and the file whose pixel data its
/// decoded pixel data must equal.
struct SourceCase: CustomTestStringConvertible, Sendable {
    var name: String
    var recordType = "IMAGE"
    /// A file with the same image, used where pydicom has no decoder for `name` (JPEG-LS).
    var pixelReference: String?

    var testDescription: String { name }
}

let supportedCases: [SourceCase] = [
    SourceCase(name: "CT_small.dcm"),
    SourceCase(name: "MR_small.dcm"),
    SourceCase(name: "MR_small_implicit.dcm"),
    SourceCase(name: "JPGLosslessP14SV1_1s_1f_8b.dcm"),
    SourceCase(name: "MR_small_RLE.dcm"),
    SourceCase(name: "emri_small_RLE.dcm"),
    SourceCase(name: "MR_small_jpeg_ls_lossless.dcm", pixelReference: "MR_small.dcm"),
    SourceCase(name: "US1_UNCR.dcm"),
    SourceCase(name: "OBXXXX1A_rle_2frame.dcm"),
    SourceCase(name: "rtplan.dcm", recordType: "RT PLAN"),
    SourceCase(name: "test-SR.dcm", recordType: "SR DOCUMENT"),
]

@Suite struct FileSetBuilderTests {
    let builder = FileSetBuilder()

    @Test("media file from each transfer syntax", arguments: supportedCases)
    func mediaFileFromEachSyntax(_ source: SourceCase) throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan([source.name])

        let result = try builder.build(plan, into: root)

        #expect(result.files.count == 1)
        let file = try #require(result.files.first)
        #expect(file.sopInstanceUID == plan.instances[0].sopInstanceUID)
        #expect(file.relativePath == "DICOM/ST000001/SE000001/IM000001")
        let path = root + "/" + file.relativePath
        let meta = try MetaHeader(path: path)
        #expect(meta[0x0010] == "1.2.840.10008.1.2.1")
        #expect(meta[0x0012] == ImplementationIdentity.classUID)
        #expect(meta[0x0013] == ImplementationIdentity.versionName)
        #expect(meta[0x0016] == "MEDIA_AE")
        #expect(meta[0x0003] == plan.instances[0].sopInstanceUID)
        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        let leaf = try #require(listing.records(ofType: source.recordType).first)
        #expect(leaf.referencedFileID == file.relativePath)
        #expect(leaf.referencedSOPInstanceUID == file.sopInstanceUID)

        let reference = try TestFiles.path(source.pixelReference ?? source.name)
        let differences = try PythonChecker.compare(
            output: path, source: plan.instances[0].sourcePath, reference: reference)
        #expect(differences.isEmpty, "\(differences)")
        try expectValidatorsPass(root, result)

        // Some test files break their IOD already; the media file may add no new error.
        let sourceErrors = try runValidator("/usr/bin/dciodvfy", [plan.instances[0].sourcePath])
            .errorLines
        let outputErrors = try runValidator("/usr/bin/dciodvfy", [path]).errorLines
        #expect(Set(outputErrors).subtracting(sourceErrors).isEmpty, "\(outputErrors)")
    }

    @Test("pydicom check sees differences")
    func pythonCheckerFails() throws {
        let differences = try PythonChecker.compare(
            output: try TestFiles.path("CT_small.dcm"), source: try TestFiles.path("MR_small.dcm"),
            reference: try TestFiles.path("MR_small.dcm"))
        #expect(differences.contains("decoded pixel data differ"))
        #expect(differences.contains { $0.contains("SOPInstanceUID has a different value") })
    }

    @Test("lossy JPEG is rejected by name")
    func lossyJPEGRejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["JPEG-lossy.dcm"])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }
        #expect(error.code == .unsupported)
        #expect(error.message.contains(plan.instances[0].sopInstanceUID))
        #expect(error.cause?.contains("1.2.840.10008.1.2.4.51") == true)
        #expect(error.cause?.contains("lossy") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }

    @Test("JPEG 2000 is rejected by name")
    func jpeg2000Rejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["CT_small.dcm", "JPEG2000.dcm"])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }
        #expect(error.code == .unsupported)
        #expect(error.message.contains(plan.instances[1].sopInstanceUID))
        #expect(error.cause?.contains("JPEG 2000") == true)
        #expect(error.cause?.contains("1.2.840.10008.1.2.4.91") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }

    @Test("missing Modality rejected by name")
    func missingModalityRejected() throws {
        let work = try TestFiles.makeTemporaryFolder("source")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = work + "/nomodality"
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: source)
        let modify = try runValidator("/usr/bin/dcmodify", ["-nb", "-ea", "(0008,0060)", source])
        try #require(modify.status == 0, "\(modify.output)")
        let plan = try makePlan([source])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: work + "/fileset")
        }
        #expect(error.code == .unsupported)
        #expect(error.message.contains(plan.instances[0].sopInstanceUID))
        #expect(error.cause?.contains("Modality (0008,0060)") == true, "\(error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/fileset"))
    }

    @Test("unknown SOP class rejected by name")
    func unknownSOPClassRejected() throws {
        let work = try TestFiles.makeTemporaryFolder("source")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = work + "/private"
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: source)
        let modify = try runValidator(
            "/usr/bin/dcmodify", ["-nb", "-m", "(0008,0016)=2.25.1004", source])
        try #require(modify.status == 0, "\(modify.output)")
        let plan = try makePlan([source])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: work + "/fileset")
        }
        #expect(error.code == .unsupported)
        #expect(error.cause?.contains("invalid SOP class (2.25.1004)") == true, "\(error)")
    }

    @Test("two studies give two STUDY records")
    func twoStudies() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["CT_small.dcm", "MR_small.dcm", "rtplan.dcm"])

        let result = try builder.build(plan, into: root)

        #expect(result.studyCount == 3)
        #expect(result.seriesCount == 3)
        #expect(
            result.files.map(\.relativePath) == [
                "DICOM/ST000001/SE000001/IM000001",
                "DICOM/ST000002/SE000001/IM000001",
                "DICOM/ST000003/SE000001/IM000001",
            ])
        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        #expect(listing.records(ofType: "STUDY").count == 3)
        #expect(listing.records(ofType: "SERIES").count == 3)
        #expect(listing.records(ofType: "IMAGE").count == 2)
        #expect(listing.records(ofType: "RT PLAN").count == 1)
        #expect(listing.fileSetID == "TEST_DISC")
        #expect(listing.consistencyFlag == 0)
        try expectValidatorsPass(root, result)
    }

    @Test("one patient's studies share PATIENT")
    func twoStudiesOnePatient() throws {
        let work = try TestFiles.makeTemporaryFolder("source")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/fileset"
        let second = work + "/second"
        // The same patient's CT image as the only instance of a second study.
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: second)
        let modify = try runValidator(
            "/usr/bin/dcmodify",
            [
                "-nb", "-m", "(0020,000D)=2.25.1001",
                "-m", "(0020,000E)=2.25.1002",
                "-m", "(0008,0018)=2.25.1003", second,
            ])
        try #require(modify.status == 0, "\(modify.output)")
        let plan = try makePlan(["CT_small.dcm", second])

        let result = try builder.build(plan, into: root)

        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        #expect(listing.records(ofType: "PATIENT").count == 1)
        #expect(listing.records(ofType: "STUDY").count == 2)
        #expect(result.files.map(\.relativePath).last == "DICOM/ST000002/SE000001/IM000001")
        try expectValidatorsPass(root, result)
    }

    @Test("missing keys are filled")
    func missingKeysFilled() throws {
        let work = try TestFiles.makeTemporaryFolder("source")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = work + "/nokeys"
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: source)
        let modify = try runValidator(
            "/usr/bin/dcmodify",
            [
                "-nb", "-ea", "(0010,0020)", "-ea", "(0010,0010)", "-ea", "(0008,0020)",
                "-m", "(0008,0030)=", "-ea", "(0020,0010)", "-ea", "(0020,0011)", source,
            ])
        try #require(modify.status == 0, "\(modify.output)")
        let plan = try makePlan([source], patientID: "ACC12345")

        let result = try builder.build(plan, into: work + "/fileset")

        let written = work + "/fileset/" + result.files[0].relativePath
        let dump = try runValidator(
            "/usr/bin/dcmdump",
            [
                "-q", "+P", "0010,0020", "+P", "0010,0010", "+P", "0008,0020", "+P", "0008,0030",
                "+P", "0020,0010", "+P", "0020,0011", written,
            ])
        #expect(dump.output.contains("[ACC12345]"))
        #expect(dump.output.contains("PN (no value available)"))
        #expect(dump.output.contains("DA [20231114]"))
        #expect(dump.output.contains("TM [221320]"))
        #expect(dump.output.contains("SH [UNKNOWN]"))
        #expect(dump.output.contains("IS [1]"))
        try expectValidatorsPass(work + "/fileset", result)
    }

    @Test("Patient ID filled only when empty")
    func emptyPatientIDFilled() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // JPGLosslessP14SV1 has an empty Patient ID; CT_small has "1CT1".
        let plan = try makePlan(
            ["JPGLosslessP14SV1_1s_1f_8b.dcm", "CT_small.dcm"], patientID: "P-77")

        let result = try builder.build(plan, into: root)

        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        #expect(listing.records(ofType: "PATIENT").count == 2)
        let first = try runValidator(
            "/usr/bin/dcmdump",
            ["-q", "+P", "0010,0020", root + "/" + result.files[0].relativePath])
        let second = try runValidator(
            "/usr/bin/dcmdump",
            ["-q", "+P", "0010,0020", root + "/" + result.files[1].relativePath])
        #expect(first.output.contains("[P-77]"))
        #expect(second.output.contains("[1CT1]"))
    }

    @Test("two patients under one ID rejected")
    func twoPatientsOneIDRejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Both lack a Patient ID, so both would get the plan's, under different names.
        let plan = try makePlan(["JPGLosslessP14SV1_1s_1f_8b.dcm", "test-SR.dcm"])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(plan.instances[1].sopInstanceUID))
        #expect(!error.message.contains("Citizen"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }

    @Test("consistency flag FFFFH on request")
    func consistencyFlagOption() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["MR_small.dcm"])

        let result = try FileSetBuilder(consistencyFlag: .inconsistenciesMayBePresent)
            .build(plan, into: root)

        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        #expect(listing.consistencyFlag == 0xFFFF)
        try expectValidatorsPass(root, result)
    }

    @Test("README content and line ends")
    func readmeContent() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["CT_small.dcm", "MR_small.dcm"], discNumber: 2, discCount: 3)

        _ = try builder.build(plan, into: root)

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/README.TXT")))
        #expect(bytes.allSatisfy { $0 < 0x80 })
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.last == "")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("Disc:      2 of 3"))
        #expect(text.contains("This is disc 2 of 3 of the patient's data."))
        #expect(text.contains("2 studies, 2 series, 2 instances"))
        #expect(text.contains("Media Center \(ImplementationIdentity.productVersion)"))
        #expect(text.contains("2023-11-14 22:13:20 UTC+00:00"))
        #expect(text.contains("DICOMDIR"))
        #expect(text.contains("INDEX.HTM    open this file in a web browser"))
        #expect(text.contains("patient data"))
        #expect(!text.contains("CompressedSamples"))
    }

    @Test("every path is a level 1 name")
    func levelOneNames() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm"])

        _ = try builder.build(plan, into: root)

        let paths = try FileManager.default.subpathsOfDirectory(atPath: root)
        let webPaths = Set(try webFiles(in: root))
        for path in paths where path != "README.TXT" && !webPaths.contains(path) {
            let components = path.split(separator: "/").map(String.init)
            #expect(components.count <= 8, "\(path)")
            #expect(components.allSatisfy(ISO9660Name.isValid), "\(path)")
        }
        #expect(paths.contains("DICOMDIR"))
    }

    @Test("non-empty folder is rejected")
    func nonEmptyFolderRejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(FileManager.default.createFile(atPath: root + "/OLD", contents: Data()))
        let plan = try makePlan(["CT_small.dcm"])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }
        #expect(error.code == .invalidArgument)
        #expect(FileManager.default.fileExists(atPath: root + "/OLD"))
    }

    @Test("duplicate instance is rejected")
    func duplicateInstanceRejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // MR_small and MR_small_RLE are the same instance in two transfer syntaxes.
        let plan = try makePlan(["MR_small.dcm", "MR_small_RLE.dcm"])

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(plan.instances[0].sopInstanceUID))
    }

    @Test("index mismatch is rejected")
    func indexMismatchRejected() throws {
        let work = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var plan = try makePlan(["CT_small.dcm"])
        plan.instances[0].seriesInstanceUID = "1.2.3.4"

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: work + "/fileset")
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(plan.instances[0].sopInstanceUID))
        #expect(!FileManager.default.fileExists(atPath: work + "/fileset"))
    }

    @Test("invalid plan values are rejected")
    func invalidPlanRejected() throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let valid = try makePlan(["CT_small.dcm"])
        var plans: [FileSetPlan] = []
        var plan = valid
        plan.fileSetID = "lower case"
        plans.append(plan)
        plan = valid
        plan.fileSetID = "SEVENTEEN_CHARS_X"
        plans.append(plan)
        plan = valid
        plan.sourceAETitle = "BACK\\SLASH"
        plans.append(plan)
        plan = valid
        plan.patientID = ""
        plans.append(plan)
        plan = valid
        plan.discNumber = 3
        plan.discCount = 2
        plans.append(plan)
        plan = valid
        plan.instances = []
        plans.append(plan)

        for plan in plans {
            let error = try #require(throws: MediaCenterError.self) {
                try builder.build(plan, into: root)
            }
            #expect(error.code == .invalidArgument)
        }
    }

    @Test("async build on dedicated thread")
    func asyncBuild() async throws {
        let root = try TestFiles.makeTemporaryFolder("fileset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["MR_small_RLE.dcm"])

        let result = try await builder.buildOnDedicatedThread(plan, into: root)

        #expect(result.files.count == 1)
        var sizes =
            try result.files.reduce(Int64(0)) { $0 + $1.byteCount }
            + fileSize(root + "/DICOMDIR") + fileSize(root + "/README.TXT")
        for path in try webFiles(in: root) {
            sizes += try fileSize(root + "/" + path)
        }
        #expect(result.totalBytes == sizes)
    }
}

private func fileSize(_ path: String) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? -1
}

/// Runs dciodvfy on the DICOMDIR and dcentvfy on all media files, and expects no line
/// with "Error" from either.
func expectValidatorsPass(_ root: String, _ result: FileSetResult) throws {
    let dicomdir = try runValidator("/usr/bin/dciodvfy", [root + "/DICOMDIR"])
    #expect(dicomdir.errorLines.isEmpty, "dciodvfy DICOMDIR: \(dicomdir.output)")

    let files = result.files.map { root + "/" + $0.relativePath }
    let entities = try runValidator("/usr/bin/dcentvfy", files)
    #expect(entities.errorLines.isEmpty, "dcentvfy: \(entities.output)")
}
