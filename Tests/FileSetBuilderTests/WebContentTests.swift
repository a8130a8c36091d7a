import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// INDEX.HTM, the IHE_PDI pages and the previews that each file-set gets.
@Suite struct WebContentTests {
    let builder = FileSetBuilder()

    /// Builds a file-set of `names` (test files or absolute paths) in a new folder.
    private func build(_ names: [String]) throws -> String {
        let root = try TestFiles.makeTemporaryFolder("web")
        _ = try builder.build(try makePlan(names), into: root)
        return root
    }

    private func read(_ root: String, _ path: String) throws -> String {
        try String(contentsOfFile: root + "/" + path, encoding: .utf8)
    }

    @Test("web files have level 1 names")
    func levelOneNames() throws {
        let root = try build(["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm"])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let files = try webFiles(in: root)

        #expect(files.contains("INDEX.HTM"))
        #expect(files.contains("IHE_PDI/STU00001.HTM"))
        #expect(files.contains("IHE_PDI/SER00001.HTM"))
        #expect(files.contains("IHE_PDI/SER00001.PNG"))
        for path in files {
            let components = path.split(separator: "/").map(String.init)
            #expect(components.count <= 2, "\(path)")
            #expect(components.dropLast().allSatisfy(ISO9660Name.isValid), "\(path)")
            #expect(FileSetValidator.isLevelOneFileName(components.last!), "\(path)")
        }
    }

    @Test("index links every study page")
    func indexLinksStudies() throws {
        let root = try build(["CT_small.dcm", "MR_small.dcm"])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let index = try read(root, "INDEX.HTM")

        #expect(index.contains("href=\"IHE_PDI/STU00001.HTM\""))
        #expect(index.contains("href=\"IHE_PDI/STU00002.HTM\""))
        #expect(index.contains("href=\"README.TXT\""))
        #expect(index.contains("CompressedSamples CT1"))
        #expect(index.contains(ReadmeText.productName))
        #expect(index.contains("<meta charset=\"utf-8\">"))
        #expect(!index.contains("<script"))
        #expect(!index.contains("http:"))
        #expect(!index.contains("https:"))
        let study = try read(root, "IHE_PDI/STU00001.HTM")
        #expect(study.contains("href=\"../INDEX.HTM\""))
        #expect(study.contains("href=\"SER00001.HTM\""))
        #expect(study.contains("src=\"SER00001.PNG\""))
    }

    @Test(
        "names decoded from character set",
        arguments: [
            ("chrH31.dcm", "Yamada Tarou = 山田 太郎 = やまだ たろう"),
            ("chrX1.dcm", "Wang XiaoDong = 王 小東"),
        ])
    func namesDecoded(_ name: String, _ expectedName: String) throws {
        let root = try build([name])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let index = try read(root, "INDEX.HTM")

        #expect(index.contains("<td>\(expectedName)</td>"))
        #expect(!index.contains("\u{1B}"))
    }

    @Test("escape of markup characters")
    func escapeMarkup() {
        #expect(HTMLText.escape("<b>") == "&lt;b&gt;")
        #expect(HTMLText.escape("A & B") == "A &amp; B")
        #expect(HTMLText.escape("\"quoted\"") == "&quot;quoted&quot;")
        #expect(HTMLText.escape("O'Brien") == "O&#39;Brien")
        #expect(HTMLText.escape("line\u{1B}break") == "line break")
        #expect(HTMLText.escape("山田") == "山田")
    }

    @Test("person name and date formats")
    func valueFormats() {
        #expect(
            HTMLText.personName("Yamada^Tarou=山田^太郎=やまだ^たろう")
                == "Yamada Tarou = 山田 太郎 = やまだ たろう")
        #expect(HTMLText.personName("DOE^JOHN^^^") == "DOE JOHN")
        #expect(HTMLText.personName("A<B^C&D") == "A&lt;B C&amp;D")
        #expect(HTMLText.date("20040826") == "2004-08-26")
        #expect(HTMLText.date("2004<08") == "2004&lt;08")
        #expect(HTMLText.time("143015.123") == "14:30:15")
        #expect(HTMLText.time("1430") == "14:30")
    }

    @Test("hostile attribute values stay text")
    func hostileValuesStayText() throws {
        let work = try TestFiles.makeTemporaryFolder("web-hostile")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = work + "/hostile.dcm"
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: source)
        let name = "<script>alert(1)</script>^O'Brien & \"Co\"/../*"
        let description = "../../etc/passwd*<img src=x>"
        let modify = try runValidator(
            "/usr/bin/dcmodify",
            ["-nb", "-ma", "(0010,0010)=\(name)", "-ma", "(0008,1030)=\(description)", source])
        #expect(modify.status == 0, "\(modify.output)")

        let root = try build([source])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let index = try read(root, "INDEX.HTM")
        #expect(!index.contains("<script>"))
        #expect(!index.contains("<img src=x>"))
        #expect(
            index.contains(
                "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; "
                    + "&quot;Co&quot;/../*"))
        #expect(index.contains("../../etc/passwd*&lt;img src=x&gt;"))
        let series = try read(root, "IHE_PDI/SER00001.HTM")
        #expect(!series.contains("<script>"))
        let paths = try FileManager.default.subpathsOfDirectory(atPath: root)
        for path in paths {
            #expect(!path.contains(".."), "\(path)")
            #expect(!path.contains("*"), "\(path)")
            #expect(!path.lowercased().contains("script"), "\(path)")
            #expect(!path.lowercased().contains("passwd"), "\(path)")
        }
    }

    @Test("series without pixel data has text")
    func seriesWithoutPixelData() throws {
        let root = try build(["rtplan.dcm", "test-SR.dcm"])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let files = try webFiles(in: root)

        #expect(!files.contains { $0.hasSuffix(".PNG") }, "\(files)")
        let plan = try read(root, "IHE_PDI/SER00001.HTM")
        #expect(plan.contains("No image to preview: this series contains RT Plan Storage."))
        #expect(plan.contains("RT Plan Storage (no image)"))
        #expect(!plan.contains("<img"))
        let report = try read(root, "IHE_PDI/SER00002.HTM")
        #expect(report.contains("No image to preview"))
        #expect(report.contains("SR Storage"))
    }

    @Test(
        "preview is a PNG within 512 px",
        arguments: [
            ("US1_UNCR.dcm", 512, 384),
            ("CT_small.dcm", 128, 128),
            ("OBXXXX1A_rle_2frame.dcm", 512, 384),
            ("MR2_UNCR.dcm", 512, 512),
        ])
    func previewWithinLimit(_ name: String, _ width: Int, _ height: Int) throws {
        let root = try build([name])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/IHE_PDI/SER00001.PNG"

        let header = try PNGHeader(path: path)

        #expect(header.width == width)
        #expect(header.height == height)
        #expect(header.bitDepth == 8)
        let check = try runValidator(TestFiles.python, ["-c", PNGHeader.decodeScript, path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.hasPrefix("ok \(width)x\(height)"), "\(check.output)")
        let page = try read(root, "IHE_PDI/SER00001.HTM")
        #expect(page.contains("<img src=\"SER00001.PNG\" width=\"\(width)\" height=\"\(height)\""))
    }

    @Test("unrenderable image has text")
    func unrenderableImage() throws {
        let work = try TestFiles.makeTemporaryFolder("web-unrenderable")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = work + "/unknown.dcm"
        try FileManager.default.copyItem(atPath: try TestFiles.path("CT_small.dcm"), toPath: source)
        let modify = try runValidator(
            "/usr/bin/dcmodify", ["-nb", "-ma", "(0028,0004)=NOT_A_COLOR_MODEL", source])
        #expect(modify.status == 0, "\(modify.output)")

        let root = try build([source])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let files = try webFiles(in: root)
        #expect(!files.contains("IHE_PDI/SER00001.PNG"), "\(files)")
        let page = try read(root, "IHE_PDI/SER00001.HTM")
        #expect(page.contains("No preview: the image in <code>DICOM/ST000001/SE000001/IM000001"))
        #expect(!page.contains("<img"))
        let study = try read(root, "IHE_PDI/STU00001.HTM")
        #expect(study.contains("No preview"))
    }

    @Test("preview of middle instance")
    func previewOfMiddleInstance() throws {
        // Three instances of one series: the preview comes from the one in the middle by
        // Instance Number, whatever the order of the plan.
        let work = try TestFiles.makeTemporaryFolder("web-middle")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var paths: [String] = []
        for (number, rows) in [(3, "3"), (1, "1"), (2, "2")] {
            let path = work + "/MR\(number).dcm"
            try FileManager.default.copyItem(
                atPath: try TestFiles.path("MR_small.dcm"), toPath: path)
            let modify = try runValidator(
                "/usr/bin/dcmodify",
                [
                    "-nb", "-ma", "(0020,0013)=\(rows)", "-ma",
                    "(0008,0018)=1.2.826.0.1.3680043.2.1143.99.\(number)", path,
                ])
            #expect(modify.status == 0, "\(modify.output)")
            paths.append(path)
        }

        let root = try build(paths)
        defer { try? FileManager.default.removeItem(atPath: root) }

        let files = try webFiles(in: root)
        #expect(files.filter { $0.hasSuffix(".PNG") } == ["IHE_PDI/SER00001.PNG"])
        let page = try read(root, "IHE_PDI/SER00001.HTM")
        #expect(page.contains("Preview of instance 2 (<code>DICOM/ST000001/SE000001/IM000003"))
    }
}

/// The IHDR fields of a PNG file, read from its bytes.
struct PNGHeader {
    var width: Int
    var height: Int
    var bitDepth: Int

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 26, Array(bytes[0..<8]) == signature,
            Array(bytes[12..<16]) == Array("IHDR".utf8)
        else {
            throw MediaCenterError(.parseFailure, "\(path) is no PNG file")
        }
        func uint32(_ at: Int) -> Int {
            bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        width = uint32(16)
        height = uint32(20)
        bitDepth = Int(bytes[24])
    }

    /// A Python script that checks every chunk's CRC, inflates the image data and checks
    /// its size against IHDR, then prints `ok WIDTHxHEIGHT`.
    static let decodeScript = """
        import struct, sys, zlib

        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "no PNG signature"
        position, compressed, header = 8, b"", None
        while position < len(data):
            length, kind = struct.unpack(">I4s", data[position:position + 8])
            body = data[position + 8:position + 8 + length]
            crc, = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
            assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                compressed += body
            elif kind == b"IEND":
                break
            position += 12 + length
        width, height, depth, color = header[:4]
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
        raw = zlib.decompress(compressed)
        expected = height * (1 + (width * channels * depth + 7) // 8)
        assert len(raw) == expected, f"{len(raw)} bytes of image data, expected {expected}"
        print(f"ok {width}x{height}")
        """
}
