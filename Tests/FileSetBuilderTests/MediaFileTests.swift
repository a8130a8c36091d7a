import CDCMTK
import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// Tests of the C media file writer, called directly for the cases the builder never
/// reaches.
@Suite struct MediaFileTests {
    private func write(_ source: String, to destination: String) -> (Int32, String) {
        var options = mcd_media_file_options()
        var error = mcd_error()
        let status = ImplementationIdentity.classUID.withCString { classUID in
            ImplementationIdentity.versionName.withCString { versionName in
                options.implementation_class_uid = classUID
                options.implementation_version_name = versionName
                return mcd_write_media_file(source, destination, &options, &error)
            }
        }
        return (status, error.text)
    }

    @Test("failed write leaves no file")
    func failedWriteLeavesNoFile() throws {
        try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
        let folder = try TestFiles.makeTemporaryFolder("media")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let (status, message) = write(
            try TestFiles.path("JPEGLSNearLossless_08.dcm"), to: folder + "/OUT")

        #expect(status == Int32(MCD_ERROR_UNSUPPORTED))
        #expect(message.contains("1.2.840.10008.1.2.4.81"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/OUT"))
    }

    @Test("existing destination is kept")
    func existingDestinationKept() throws {
        try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
        let folder = try TestFiles.makeTemporaryFolder("media")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/OUT"
        #expect(FileManager.default.createFile(atPath: destination, contents: Data("keep".utf8)))

        let (status, message) = write(try TestFiles.path("CT_small.dcm"), to: destination)

        #expect(status == Int32(MCD_ERROR_IO))
        #expect(message.contains("must not exist"), "\(message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("keep".utf8))
    }

    @Test("unreadable source is an I/O error")
    func missingSource() throws {
        try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
        let folder = try TestFiles.makeTemporaryFolder("media")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let (status, message) = write(folder + "/MISSING", to: folder + "/OUT")

        #expect(status == Int32(MCD_ERROR_IO))
        #expect(message.contains("No such file"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/OUT"))
    }

    @Test(
        "other syntaxes reach Explicit VR LE",
        arguments: [
            "emri_small_big_endian.dcm", "image_dfl.dcm", "ExplVR_LitEndNoMeta.dcm", "JPEG-LL.dcm",
        ])
    func otherLosslessSyntaxes(_ name: String) throws {
        try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
        let folder = try TestFiles.makeTemporaryFolder("media")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let (status, message) = write(try TestFiles.path(name), to: folder + "/OUT")

        #expect(status == Int32(MCD_OK), "\(message)")
        let meta = try MetaHeader(path: folder + "/OUT")
        #expect(meta[0x0010] == "1.2.840.10008.1.2.1")
        #expect(meta[0x0012] == ImplementationIdentity.classUID)
        let differences = try PythonChecker.compare(
            output: folder + "/OUT", source: try TestFiles.path(name),
            reference: try TestFiles.path(name))
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test("JPEG process 14 reaches Explicit VR LE")
    func jpegProcess14() throws {
        try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
        let folder = try TestFiles.makeTemporaryFolder("media")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // No test file uses JPEG Lossless process 14 with a predictor other than 1, so
        // DCMTK's own encoder makes one from CT_small.dcm.
        let original = try TestFiles.path("CT_small.dcm")
        let compressed = folder + "/P14"
        let encode = try runValidator("/usr/bin/dcmcjpeg", ["+el", original, compressed])
        try #require(encode.status == 0, "\(encode.output)")
        #expect(try MetaHeader(path: compressed)[0x0010] == "1.2.840.10008.1.2.4.57")

        let (status, message) = write(compressed, to: folder + "/OUT")

        #expect(status == Int32(MCD_OK), "\(message)")
        #expect(try MetaHeader(path: folder + "/OUT")[0x0010] == "1.2.840.10008.1.2.1")
        let differences = try PythonChecker.compare(
            output: folder + "/OUT", source: compressed, reference: original)
        #expect(differences.isEmpty, "\(differences)")
    }
}
