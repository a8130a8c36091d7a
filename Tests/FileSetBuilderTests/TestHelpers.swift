import Foundation
import MediaCenterCore
import TestSupport

@testable import FileSetBuilder

/// Output and exit status of a finished tool.
struct ToolRun {
    var status: Int32
    var output: String

    /// The output lines that report an error (dicom3tools start them with "Error").
    var errorLines: [String] {
        output.split(separator: "\n").map(String.init).filter { $0.contains("Error") }
    }
}

/// Runs a validator or other tool and returns its standard output and error together.
func runValidator(_ executable: String, _ arguments: [String]) throws -> ToolRun {
    let output = try TestSupport.runTool(executable, arguments)
    return ToolRun(status: output.status, output: output.text)
}

/// Makes a plan for the test files `names` (or absolute paths), with the UIDs read from
/// the files.
func makePlan(
    _ names: [String], patientID: String = "GENERATED-ID", discNumber: Int = 1, discCount: Int = 1
) throws -> FileSetPlan {
    try initializeDCMTK(dictionaryPath: FileSetBuilder.defaultDictionaryPath)
    var instances: [FileSetInstance] = []
    for name in names {
        let path = name.hasPrefix("/") ? name : try TestFiles.path(name)
        let keys = try readInstanceKeys(path)
        instances.append(
            FileSetInstance(
                sourcePath: path, sopInstanceUID: keys.sopInstanceUID,
                studyInstanceUID: keys.studyInstanceUID, seriesInstanceUID: keys.seriesInstanceUID))
    }
    return FileSetPlan(
        instances: instances, patientID: patientID, sourceAETitle: "MEDIA_AE",
        fileSetID: "TEST_DISC", discNumber: discNumber, discCount: discCount,
        createdAt: Date(timeIntervalSince1970: 1_700_000_000),
        timeZone: TimeZone(identifier: "UTC")!)
}

/// The File Meta Information of a PS3.10 file, read from its bytes without any DICOM
/// library: the 128-byte preamble, "DICM", then group 0002 in Explicit VR Little Endian.
struct MetaHeader {
    var values: [UInt16: String] = [:]

    /// The value of element (0002,`element`), without padding.
    subscript(element: UInt16) -> String? { values[element] }

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 132, bytes[128..<132].elementsEqual(Array("DICM".utf8)) else {
            throw MediaCenterError(.parseFailure, "\(path) has no DICM prefix")
        }
        var position = 132
        func uint16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func uint32(_ at: Int) -> Int { uint16(at) | uint16(at + 2) << 16 }

        while position + 8 <= bytes.count, uint16(position) == 0x0002 {
            let element = UInt16(uint16(position + 2))
            let vr = String(decoding: bytes[(position + 4)..<(position + 6)], as: UTF8.self)
            let longForm = ["OB", "OW", "SQ", "UN", "UT", "UC", "UR"].contains(vr)
            let length = longForm ? uint32(position + 8) : uint16(position + 6)
            let start = position + (longForm ? 12 : 8)
            let raw = bytes[start..<(start + length)]
            values[element] = String(decoding: raw, as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            position = start + length
        }
    }
}

/// pydicom in the test's Python virtual environment (see `TestFiles.python`).
enum PythonChecker {
    static var executable: String { TestFiles.python }


    /// Compares a media file with the instance it was made from, using pydicom as a second,
    /// independent reader. Every data set element of `source` must be in `output` with the
    /// same value, except the keys a file-set may fill. The pixel data that pydicom decodes
    /// from `output` must equal those it decodes from `reference`. Returns the differences
    /// found, one line each.
    static func compare(output: String, source: String, reference: String) throws -> [String] {
        let run = try runValidator(executable, ["-c", script, output, source, reference])
        guard run.status == 0 else { return ["pydicom check failed: \(run.output)"] }
        return run.output.split(separator: "\n").map(String.init)
    }

    private static let script = """
        import sys
        import numpy
        import pydicom

        output, source, reference = sys.argv[1:4]
        written = pydicom.dcmread(output)
        original = pydicom.dcmread(source, force=True)
        # Keys the file-set fills where they are empty or absent, and the pixel data,
        # which are compared as decoded arrays below.
        filled = {0x00100020, 0x00100010, 0x00080020, 0x00080030, 0x00200010, 0x00200011}
        pixel_data = 0x7FE00010

        for element in original:
            tag = int(element.tag)
            if tag in filled or tag == pixel_data:
                continue
            if tag not in written:
                print(f"element {element.tag} {element.keyword} is missing")
            elif written[tag].value != element.value:
                print(f"element {element.tag} {element.keyword} has a different value")
        for tag in filled:
            if tag in original and original[tag].value not in (None, "") and tag in written:
                if written[tag].value != original[tag].value:
                    print(f"filled key {pydicom.tag.Tag(tag)} overwrote a value")

        expected = pydicom.dcmread(reference, force=True)
        if "PixelData" in expected:
            if not numpy.array_equal(written.pixel_array, expected.pixel_array):
                print("decoded pixel data differ")
        """
}
