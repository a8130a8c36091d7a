import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// The transfer syntax of each media file, the DICOMDIR and README.TXT follow the plan's
/// application profile.
@Suite struct ApplicationProfileTests {
    let builder = FileSetBuilder()

    /// Builds a file-set of the test file `name` with `profile` and returns its root and the
    /// media file's Transfer Syntax UID.
    private func build(
        _ name: String, _ profile: ApplicationProfile, into root: String
    ) throws -> (file: String, syntax: String?) {
        var plan = try makePlan([name])
        plan.profile = profile
        let result = try builder.build(plan, into: root)
        let file = try #require(result.files.first)
        let path = root + "/" + file.relativePath
        return (path, try MetaHeader(path: path)[0x0010])
    }

    @Test(
        "JPEG profiles keep JPEG Lossless",
        arguments: [ApplicationProfile.generalPurposeDVDJPEG, .generalPurposeBDJPEG])
    func jpegProfilesKeepJPEGLossless(_ profile: ApplicationProfile) throws {
        let root = try TestFiles.makeTemporaryFolder("profile")
        defer { try? FileManager.default.removeItem(atPath: root) }

        let (file, syntax) = try build("JPGLosslessP14SV1_1s_1f_8b.dcm", profile, into: root)

        #expect(syntax == TransferSyntax.jpegLossless.rawValue)
        let listing = try DicomDirListing.read(root + "/DICOMDIR")
        let image = try #require(listing.records(ofType: "IMAGE").first)
        #expect(image.referencedTransferSyntaxUID == TransferSyntax.jpegLossless.rawValue)
        let readme = try String(contentsOfFile: root + "/README.TXT", encoding: .ascii)
        #expect(readme.contains(profile.rawValue))
        let differences = try PythonChecker.compare(
            output: file, source: try TestFiles.path("JPGLosslessP14SV1_1s_1f_8b.dcm"),
            reference: try TestFiles.path("JPGLosslessP14SV1_1s_1f_8b.dcm"))
        #expect(differences.isEmpty, "\(differences)")
        let check = try runValidator("/usr/bin/dciodvfy", [root + "/DICOMDIR"])
        #expect(check.errorLines.isEmpty, "\(check.output)")
    }

    @Test("CD profile decompresses JPEG Lossless")
    func cdProfileDecompresses() throws {
        let root = try TestFiles.makeTemporaryFolder("profile")
        defer { try? FileManager.default.removeItem(atPath: root) }

        let (_, syntax) = try build("JPGLosslessP14SV1_1s_1f_8b.dcm", .generalPurposeCD, into: root)

        #expect(syntax == TransferSyntax.explicitVRLittleEndian.rawValue)
        let readme = try String(contentsOfFile: root + "/README.TXT", encoding: .ascii)
        #expect(readme.contains("STD-GEN-CD"))
    }

    @Test(
        "DVD profile decompresses what it does not allow",
        arguments: ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm"])
    func dvdProfileDecompressesOthers(_ name: String) throws {
        let root = try TestFiles.makeTemporaryFolder("profile")
        defer { try? FileManager.default.removeItem(atPath: root) }

        let (_, syntax) = try build(name, .generalPurposeDVDJPEG, into: root)

        #expect(syntax == TransferSyntax.explicitVRLittleEndian.rawValue)
    }

    @Test("validator rejects syntax outside profile")
    func validatorRejectsSyntaxOutsideProfile() throws {
        let root = try TestFiles.makeTemporaryFolder("profile")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try makePlan(["JPGLosslessP14SV1_1s_1f_8b.dcm"])
        var dvdPlan = plan
        dvdPlan.profile = .generalPurposeDVDJPEG
        _ = try builder.build(dvdPlan, into: root)

        let validator = FileSetValidator(
            root: URL(fileURLWithPath: root).resolvingSymlinksInPath().path,
            layout: FileSetLayout(plan.instances), fileSetID: plan.fileSetID,
            consistencyFlag: 0, profile: .generalPurposeCD,
            webFiles: try webFiles(root), viewerFiles: [])

        #expect {
            try validator.validate(DicomDirListing.read(root + "/DICOMDIR"))
        } throws: { error in
            "\(error)".contains("which STD-GEN-CD does not allow")
        }
    }

    /// Returns the files outside `DICOM`, other than DICOMDIR and README.TXT, relative to
    /// `root`.
    private func webFiles(_ root: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder)
            guard !isFolder.boolValue, !path.hasPrefix("DICOM/") else { continue }
            guard path != "DICOMDIR", path != "README.TXT" else { continue }
            files.append(path)
        }
        return files
    }
}
