import DicomNetwork
import Foundation
import MediaCenterCore
import TestSupport
import Testing

extension DicomNetworkSuite {
    @Suite struct DicomFileTests {
        init() throws {
            try DicomToolkit.initialize()
        }

        @Test func readsUIDsOfCTImage() throws {
            let file = try DicomFile(path: try TestFiles.path("CT_small.dcm"))

            #expect(file.string(0x0008, 0x0016) == "1.2.840.10008.5.1.4.1.1.2")
            #expect(
                file.string(0x0008, 0x0018) == "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322")
            #expect(file.transferSyntaxUID == "1.2.840.10008.1.2.1")
        }

        @Test func missingElementIsNil() throws {
            let file = try DicomFile(path: try TestFiles.path("CT_small.dcm"))

            #expect(file.string(0x0009, 0x0001) == nil)
            #expect(file.bytes(0x0009, 0x0001) == nil)
            #expect(file.utf8String(0x0009, 0x0001) == nil)
        }

        @Test func rawBytesDropTrailingPadding() throws {
            let file = try DicomFile(path: try TestFiles.path("CT_small.dcm"))

            // Patient's Name is "CompressedSamples^CT1" padded to an even length.
            #expect(file.bytes(0x0010, 0x0010) == Array("CompressedSamples^CT1".utf8))
        }

        /// Writes a copy of CT_small.dcm with a Latin-1 Patient's Name and a 5000-character
        /// Image Comments (0020,4000) into `folder`, using pydicom, and opens it.
        private func openLatin1File(in folder: String) throws -> DicomFile {
            let path = folder + "/latin1.dcm"
            let script = """
                import sys
                from pydicom import dcmread
                ds = dcmread(sys.argv[1])
                ds.SpecificCharacterSet = "ISO_IR 100"
                ds.PatientName = "Buc^J\\u00e9r\\u00f4me"
                ds.ImageComments = "x" * 5000
                ds.save_as(sys.argv[2])
                """
            let result = try Peers.run(
                Peers.python, ["-c", script, try TestFiles.path("CT_small.dcm"), path])
            try #require(result.status == 0, "pydicom failed: \(result.errors)")
            return try DicomFile(path: path)
        }

        @Test func convertsLatin1NameToUTF8() throws {
            let folder = try TestFiles.makeTemporaryFolder("dicomfile")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = try openLatin1File(in: folder)

            #expect(file.utf8String(0x0010, 0x0010) == "Buc^J\u{E9}r\u{F4}me")
            #expect(file.bytes(0x0010, 0x0010) == [66, 117, 99, 94, 74, 0xE9, 114, 0xF4, 109, 101])
        }

        /// pydicom's character set samples, with Patient's Name as pydicom decodes it. The
        /// values of chrX1.dcm and chrX2.dcm end with an empty phonetic group ("=").
        static let characterSetSamples: [(file: String, name: String)] = [
            ("chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
            ("chrH32.dcm", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"),
            ("chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동"),
            ("chrKoreanMulti.dcm", "김희중"),
            ("chrJapMultiExplicitIR6.dcm", "やまだ^たろう"),
            ("chrX1.dcm", "Wang^XiaoDong=王^小東="),
            ("chrX2.dcm", "Wang^XiaoDong=王^小东="),
            ("chrGreek.dcm", "Διονυσιος"),
            ("chrRuss.dcm", "Люкceмбypг"),
        ]

        @Test(arguments: characterSetSamples)
        func decodesPatientNameToUTF8(sample: (file: String, name: String)) throws {
            let file = try DicomFile(path: try TestFiles.path(sample.file))

            #expect(file.utf8String(0x0010, 0x0010) == sample.name)
        }

        @Test func longValueIsReadWhole() throws {
            // DCMTK reads values over 4096 bytes from the file only when they are asked for,
            // so the file stays until the end of the test.
            let folder = try TestFiles.makeTemporaryFolder("dicomfile")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = try openLatin1File(in: folder)

            #expect(file.string(0x0020, 0x4000) == String(repeating: "x", count: 5000))
        }

        @Test func bareDataSetHasNoTransferSyntax() throws {
            let file = try DicomFile(path: try TestFiles.path("ExplVR_LitEndNoMeta.dcm"))

            #expect(file.transferSyntaxUID == nil)
            #expect(file.string(0x0008, 0x0016) != nil)
        }

        @Test func missingFileThrowsParseFailure() throws {
            let error = #expect(throws: MediaCenterError.self) {
                _ = try DicomFile(path: "/nonexistent/file.dcm")
            }
            #expect(error?.code == .parseFailure)
            #expect(error?.message.contains("/nonexistent/file.dcm") == true)
        }
    }
}
