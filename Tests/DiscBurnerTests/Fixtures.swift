import Foundation
import TestSupport
import Testing

/// Every test of this target, run one at a time: libburn rejects a scan for drives while
/// the process has grabbed any drive, so a scan must not overlap another test's write.
@Suite(.serialized) struct DiscBurnerTests {}

/// A temporary folder for one test, with a file-set folder and a drive folder inside.
struct Workspace {
    let root: String
    var fileSet: String { root + "/FILESET" }
    var driveFolder: String { root + "/virtual0" }

    init() throws {
        root = try TestFiles.makeTemporaryFolder("burner")
    }

    /// Removes the folder, first making writable the read-only folders that xorriso
    /// extracts.
    func remove() {
        _ = try? run("/bin/chmod", ["-R", "u+w", root])
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The files of a small file-set, by path relative to its root, with their content. The
/// DICOMDIR references the four files in `DICOM`, whose content is not DICOM.
let sampleFiles: [String: [UInt8]] = [
    "DICOMDIR": encodeDicomDir(sampleRecords),
    "README.TXT": Array("Patient disc written by the Media Center tests.\n".utf8),
    "DICOM/P0000001/S0000001/I0000001": pseudoRandomBytes(count: 70_000, seed: 2),
    "DICOM/P0000001/S0000001/I0000002": pseudoRandomBytes(count: 5_000, seed: 3),
    "DICOM/P0000001/S0000002/I0000001": pseudoRandomBytes(count: 1, seed: 4),
    "DICOM/P0000001/S0000002/I0000002": [],
]

/// The records of a DICOMDIR for the DICOM files of ``sampleFiles``: one patient, one
/// study and two series of two images each.
let sampleRecords: [FixtureRecord] = [
    FixtureRecord(type: "PATIENT", lower: .record(1)),
    FixtureRecord(type: "STUDY", lower: .record(2)),
    FixtureRecord(type: "SERIES", next: .record(3), lower: .record(4)),
    FixtureRecord(type: "SERIES", lower: .record(6)),
    FixtureRecord(
        type: "IMAGE", fileID: ["DICOM", "P0000001", "S0000001", "I0000001"], next: .record(5)),
    FixtureRecord(type: "IMAGE", fileID: ["DICOM", "P0000001", "S0000001", "I0000002"]),
    FixtureRecord(
        type: "IMAGE", fileID: ["DICOM", "P0000001", "S0000002", "I0000001"], next: .record(7)),
    FixtureRecord(type: "IMAGE", fileID: ["DICOM", "P0000001", "S0000002", "I0000002"]),
]

/// Writes ``sampleFiles`` under `folder`, plus the empty folder `EMPTY`.
func makeSampleFileSet(at folder: String) throws {
    try makeFiles(sampleFiles, at: folder)
    try FileManager.default.createDirectory(
        atPath: folder + "/EMPTY", withIntermediateDirectories: true)
}

/// Writes each file of `files` under `folder`, creating the folders between.
func makeFiles(_ files: [String: [UInt8]], at folder: String) throws {
    for (relativePath, content) in files {
        let path = folder + "/" + relativePath
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(content).write(to: URL(fileURLWithPath: path))
    }
}

/// Returns `count` bytes from a linear congruential generator, so files differ in
/// content and a misplaced block shows.
func pseudoRandomBytes(count: Int, seed: UInt32) -> [UInt8] {
    var state = seed &* 2_654_435_761
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

/// Runs `executable` with `arguments` and returns its output (see `runTool`).
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> ToolOutput {
    try runTool(executable, arguments)
}

/// Returns the MD5 digest of the file at `path` as `md5sum` computes it.
func md5sum(_ path: String) throws -> String {
    let output = try run("/usr/bin/md5sum", [path])
    return String(output.text.prefix(32))
}

/// Returns the content of the file at `path`.
func bytes(at path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Reads the raw ISO 9660 structures of an image file, without any library of the
/// product, so tests see the identifiers exactly as they are recorded.
struct RawISO9660 {
    let image: [UInt8]

    init(path: String) throws {
        image = try bytes(at: path)
    }

    /// The Primary Volume Descriptor: sector 16.
    var primaryVolumeDescriptor: ArraySlice<UInt8> {
        image[(16 * 2048)..<(17 * 2048)]
    }

    /// The volume identifier field (bytes 40 to 71 of the descriptor), spaces included.
    var volumeIdentifier: String {
        field(primaryVolumeDescriptor, 40, 32)
    }

    /// The volume creation date and time field (bytes 813 to 828), without the time zone.
    var creationDate: String {
        field(primaryVolumeDescriptor, 813, 16)
    }

    /// The time zone byte of the creation date, in 15-minute steps from GMT.
    var creationTimeZone: UInt8 {
        primaryVolumeDescriptor[primaryVolumeDescriptor.startIndex + 829]
    }

    /// Returns the file identifiers recorded in the directory at `path`, a list of
    /// directory identifiers from the root, without the `.` and `..` entries.
    func identifiers(in path: [String]) throws -> [String] {
        let rootRecord = primaryVolumeDescriptor.startIndex + 156
        var (extent, length) = location(ofRecordAt: rootRecord)
        for component in path {
            guard
                let record = records(extent: extent, length: length).first(where: {
                    name(ofRecordAt: $0) == component
                })
            else {
                throw RawISO9660Error(description: "directory \(component) not found")
            }
            (extent, length) = location(ofRecordAt: record)
        }
        return records(extent: extent, length: length).map(name(ofRecordAt:))
    }

    /// Returns the offsets of the directory records in a directory's extent, skipping
    /// the first two, which are `.` and `..`.
    private func records(extent: Int, length: Int) -> [Int] {
        var offsets: [Int] = []
        var offset = extent * 2048
        let end = offset + length
        while offset < end {
            let recordLength = Int(image[offset])
            if recordLength == 0 {
                offset = (offset / 2048 + 1) * 2048
                continue
            }
            offsets.append(offset)
            offset += recordLength
        }
        return Array(offsets.dropFirst(2))
    }

    private func location(ofRecordAt offset: Int) -> (extent: Int, length: Int) {
        (littleEndian32(at: offset + 2), littleEndian32(at: offset + 10))
    }

    private func name(ofRecordAt offset: Int) -> String {
        let length = Int(image[offset + 32])
        return String(decoding: image[(offset + 33)..<(offset + 33 + length)], as: UTF8.self)
    }

    private func littleEndian32(at offset: Int) -> Int {
        (0..<4).reduce(0) { value, index in value | Int(image[offset + index]) << (8 * index) }
    }

    private func field(_ bytes: ArraySlice<UInt8>, _ start: Int, _ count: Int) -> String {
        let from = bytes.startIndex + start
        return String(decoding: bytes[from..<(from + count)], as: UTF8.self)
    }
}

/// A structure of the image that the test expected and did not find.
struct RawISO9660Error: Error, CustomStringConvertible {
    let description: String
}
