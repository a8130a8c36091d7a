import Foundation
import MediaCenterCore

/// The check a file-set passes before it may be recorded. The DICOMDIR, read back from disk,
/// must be Explicit VR Little Endian with the expected header, and every offset in it must
/// land on a record. The records must form one PATIENT/STUDY/SERIES/instance tree that
/// reaches each record once. Every referenced file must exist inside the root, have level 1
/// names, contain the instance its record names, and have a transfer syntax that `profile`
/// allows. An instance of a SOP class of
/// `SOPClassTable` must have the record type the table gives. Every planned instance must be
/// referenced once. The web pages and previews (`webFiles`) must lie outside the DICOM
/// folder and have ISO 9660 level 1 names. The viewer's files (`viewerFiles`) must lie
/// outside the DICOM and IHE_PDI folders and have level 1 names, with or without an
/// extension. The root must contain no other files.
struct FileSetValidator {
    /// The real path of the file-set root, symbolic links resolved.
    let root: String
    let layout: FileSetLayout
    let fileSetID: String
    let consistencyFlag: UInt16
    /// The application profile whose transfer syntaxes the media files may have.
    var profile = ApplicationProfile.generalPurposeCD
    /// The non-DICOM files the builder wrote, relative to the root, such as `INDEX.HTM`.
    var webFiles: [String] = []
    /// The viewer's files the builder copied, relative to the root, such as `AUTORUN.INF`.
    var viewerFiles: [String] = []

    /// The deepest a Referenced File ID may go, counting the file itself.
    static let maxDirectoryLevels = 8

    /// The record types of the levels above the instance records, from the root down.
    private static let patientLevels = ["PATIENT", "STUDY", "SERIES"]

    func validate(_ listing: DicomDirListing) throws {
        try checkHeader(listing)
        let byOffset = try indexRecords(listing)
        let leaves = try walkTree(listing, byOffset)
        try checkReferencedFiles(leaves)
        try checkNoStrayFiles()
    }

    private func checkHeader(_ listing: DicomDirListing) throws {
        guard listing.transferSyntaxUID == explicitVRLittleEndian else {
            throw failure("DICOMDIR has transfer syntax \(listing.transferSyntaxUID)")
        }
        guard listing.fileSetID == fileSetID.trimmingCharacters(in: .whitespaces) else {
            throw failure("DICOMDIR has File-set ID \"\(listing.fileSetID)\", not \"\(fileSetID)\"")
        }
        guard listing.consistencyFlag == consistencyFlag else {
            throw failure("DICOMDIR has File-set Consistency Flag \(listing.consistencyFlag)")
        }
    }

    /// Maps each record's offset to its index, and checks that each offset in the DICOMDIR
    /// is 0 or lands on a record.
    private func indexRecords(_ listing: DicomDirListing) throws -> [UInt32: Int] {
        var byOffset: [UInt32: Int] = [:]
        for (index, record) in listing.records.enumerated() {
            guard byOffset.updateValue(index, forKey: record.offset) == nil else {
                throw failure("two DICOMDIR records start at offset \(record.offset)")
            }
        }
        guard listing.firstRootOffset != 0, byOffset[listing.firstRootOffset] != nil,
            listing.lastRootOffset != 0, byOffset[listing.lastRootOffset] != nil
        else {
            throw failure(
                "the DICOMDIR root offsets \(listing.firstRootOffset) and "
                    + "\(listing.lastRootOffset) do not both land on a record")
        }
        for record in listing.records {
            for offset in [record.nextOffset, record.lowerOffset] where offset != 0 {
                guard byOffset[offset] != nil else {
                    throw failure(
                        "the \(record.recordType) record at offset \(record.offset) points to "
                            + "offset \(offset), where no record starts")
                }
            }
        }
        return byOffset
    }

    /// Follows the offsets from the root and returns the instance records. Checks that each
    /// record is reached exactly once, that the levels are PATIENT, STUDY, SERIES and then a
    /// record that references a file and has nothing below it.
    private func walkTree(
        _ listing: DicomDirListing, _ byOffset: [UInt32: Int]
    ) throws -> [DicomDirRecord] {
        var visited = Set<Int>()
        var leaves: [DicomDirRecord] = []

        func walk(from offset: UInt32, level: Int) throws -> UInt32 {
            var current = offset
            var last = offset
            while current != 0 {
                let index = byOffset[current]!
                guard visited.insert(index).inserted else {
                    throw failure("the DICOMDIR record at offset \(current) is reached twice")
                }
                let record = listing.records[index]
                try checkLevel(record, level)
                if level < Self.patientLevels.count {
                    _ = try walk(from: record.lowerOffset, level: level + 1)
                } else {
                    leaves.append(record)
                }
                last = current
                current = record.nextOffset
            }
            return last
        }

        let lastRoot = try walk(from: listing.firstRootOffset, level: 0)
        guard lastRoot == listing.lastRootOffset else {
            throw failure(
                "the DICOMDIR's last root record is at offset \(lastRoot), but (0004,1202) "
                    + "says \(listing.lastRootOffset)")
        }
        guard visited.count == listing.records.count else {
            throw failure(
                "\(listing.records.count - visited.count) DICOMDIR records are not reachable "
                    + "from the root")
        }
        return leaves
    }

    private func checkLevel(_ record: DicomDirRecord, _ level: Int) throws {
        if level < Self.patientLevels.count {
            let expected = Self.patientLevels[level]
            guard record.recordType == expected, record.referencedFileID.isEmpty,
                record.lowerOffset != 0
            else {
                throw failure(
                    "the record at offset \(record.offset) is a \(record.recordType) record "
                        + "where a \(expected) record with records below it belongs")
            }
            return
        }
        guard !record.referencedFileID.isEmpty, record.lowerOffset == 0 else {
            throw failure(
                "the \(record.recordType) record at offset \(record.offset) below a SERIES "
                    + "record references no file or has records below it")
        }
    }

    /// Checks each instance record against the file it references and the plan.
    private func checkReferencedFiles(_ leaves: [DicomDirRecord]) throws {
        var expected: [String: String] = [:]
        for entry in layout.entries {
            expected[entry.relativePath] = entry.instance.sopInstanceUID
        }
        var referenced = Set<String>()
        for record in leaves {
            let path = record.referencedFileID
            let uid = record.referencedSOPInstanceUID
            guard let planned = expected[path] else {
                throw failure("the DICOMDIR references \(path), which the file-set never wrote")
            }
            guard referenced.insert(path).inserted else {
                throw failure("the DICOMDIR references \(path) twice")
            }
            guard uid == planned else {
                throw failure(
                    "the DICOMDIR record for \(path) names instance \(uid), but the file holds "
                        + "instance \(planned)")
            }
            try checkRecordType(record, path)
            let syntax = record.referencedTransferSyntaxUID
            guard profile.allowedTransferSyntaxUIDs.contains(syntax) else {
                throw failure(
                    "instance \(uid) in \(path) has transfer syntax \(syntax) in the DICOMDIR, "
                        + "which \(profile.rawValue) does not allow")
            }
            try checkFileLocation(path, uid)
        }
        if let missing = layout.entries.first(where: { !referenced.contains($0.relativePath) }) {
            throw failure(
                "instance \(missing.instance.sopInstanceUID) in \(missing.relativePath) has no "
                    + "DICOMDIR record")
        }
    }

    /// Checks that the record of an instance of a SOP class of the table has the record type
    /// the table gives. Instances of other classes, which the Storage SCP does not accept,
    /// keep the record type DCMTK chose.
    private func checkRecordType(_ record: DicomDirRecord, _ path: String) throws {
        let sopClass = SOPClassTable.sopClass(
            uid: record.referencedSOPClassUID, includingExtended: true)
        guard let expected = sopClass?.recordType?.rawValue else { return }
        guard record.recordType == expected else {
            throw failure(
                "the DICOMDIR record for \(path) has record type \(record.recordType), but "
                    + "instances of \(record.referencedSOPClassUID) need \(expected)")
        }
    }

    /// Checks that `relativePath` has valid level 1 components, is at most 8 levels deep,
    /// and names a regular file that is inside the root once symbolic links are resolved.
    private func checkFileLocation(_ relativePath: String, _ uid: String) throws {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count <= Self.maxDirectoryLevels,
            components.allSatisfy({ ISO9660Name.isValid(String($0)) })
        else {
            throw failure(
                "instance \(uid) has Referenced File ID \(relativePath), which is not made of at "
                    + "most 8 ISO 9660 level 1 names")
        }
        let path = root + "/" + relativePath
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard resolved.hasPrefix(root + "/"),
            FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory),
            !isDirectory.boolValue
        else {
            throw failure(
                "instance \(uid) references \(relativePath), which is not found as a regular "
                    + "file inside \(root)")
        }
    }

    /// Checks that the root contains only DICOMDIR, README.TXT, the planned media files and
    /// the web and viewer files, and that none of those is inside the DICOM folder.
    private func checkNoStrayFiles() throws {
        var allowed = Set(layout.entries.map(\.relativePath))
        allowed.formUnion([dicomdirName, readmeName])
        for path in webFiles {
            try checkWebFile(path)
            allowed.insert(path)
        }
        for path in viewerFiles {
            try checkViewerFile(path)
            allowed.insert(path)
        }
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw failure("the folder \(root) cannot be listed")
        }
        while let relativePath = walker.nextObject() as? String {
            let type = walker.fileAttributes?[.type] as? FileAttributeType
            guard type == .typeDirectory || allowed.contains(relativePath) else {
                throw failure("the file-set contains \(relativePath), which is not a planned file")
            }
        }
    }

    /// Checks that a web file lies outside the DICOM folder, where a DICOM reader expects
    /// only media files, and that its name is `NAME.EXT` in folders named `NAME`, within the
    /// ISO 9660 level 1 limits.
    private func checkWebFile(_ relativePath: String) throws {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        guard components.first != FileSetLayout.imageFolder else {
            throw failure(
                "the non-DICOM file \(relativePath) is inside the \(FileSetLayout.imageFolder) "
                    + "folder")
        }
        guard components.count <= Self.maxDirectoryLevels,
            components.dropLast().allSatisfy(ISO9660Name.isValid),
            let name = components.last, Self.isLevelOneFileName(name)
        else {
            throw failure(
                "the non-DICOM file \(relativePath) does not have ISO 9660 level 1 names "
                    + "(folders of 1 to 8 and files of 1 to 8 plus 1 to 3 of A-Z, 0-9, _)")
        }
    }

    /// Checks that a viewer file lies outside the DICOM folder, where a DICOM reader expects
    /// only media files, and outside the IHE_PDI folder of the web pages, and that its
    /// names are level 1 names within 8 directory levels.
    private func checkViewerFile(_ relativePath: String) throws {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        let reserved = [FileSetLayout.imageFolder, WebContent.folder]
        guard let first = components.first, !reserved.contains(first) else {
            throw failure("the viewer file \(relativePath) is inside a folder the file-set owns")
        }
        guard components.count <= Self.maxDirectoryLevels,
            components.dropLast().allSatisfy(ISO9660Name.isValid),
            let name = components.last, ViewerPayload.isValidFileName(name)
        else {
            throw failure(
                "the viewer file \(relativePath) does not have ISO 9660 level 1 names within "
                    + "\(Self.maxDirectoryLevels) levels")
        }
    }

    /// Returns whether `name` is `NAME.EXT` with NAME 1 to 8 and EXT 1 to 3 of A-Z, 0-9 and
    /// underscore.
    static func isLevelOneFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return parts.count == 2 && ISO9660Name.isValid(parts[0]) && ISO9660Name.isValid(parts[1])
            && parts[1].count <= 3
    }

    private func failure(_ detail: String) -> MediaCenterError {
        MediaCenterError(
            .internalFailure,
            "the file-set in \(root) failed its check and must not be recorded: \(detail); "
                + "build it again, and report a bug with this message if it fails again")
    }
}

/// The transfer syntax of every DICOMDIR, and of every media file on a STD-GEN-CD disc.
let explicitVRLittleEndian = "1.2.840.10008.1.2.1"
/// The index file's name at the file-set root.
let dicomdirName = "DICOMDIR"
/// The description file's name at the file-set root.
let readmeName = "README.TXT"
