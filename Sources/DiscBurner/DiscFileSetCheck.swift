import MediaCenterCore

/// The check of the DICOM file-set on a written disc, run on what was read back from the
/// disc rather than on the staging folder.
///
/// It repeats the file-set validator's checks that need only the disc's directory and its
/// DICOMDIR. Every offset in the DICOMDIR lands on a record, and the records reached from
/// the root form a tree that reaches each record once. Every Referenced File ID is a
/// relative path of at most 8 ISO 9660 level 1 names, with no `..` and no leading
/// separator, and names a file on the disc. Every record that references a file names a
/// transfer syntax that `profile` allows. Every file inside `DICOM/` is referenced. Only
/// the DICOMDIR is read, and the referenced files are checked by their directory records,
/// not by their content.
struct DiscFileSetCheck {
    /// The DICOMDIR's name at the root of the disc.
    static let dicomdirName = "DICOMDIR"
    /// The folder that contains every media file and nothing else.
    static let imageFolder = "DICOM"
    /// The deepest a Referenced File ID may go, counting the file itself.
    static let maxPathComponents = 8
    /// The largest DICOMDIR read into memory: 64 MiB. NOTE: a chosen bound, not a measured
    /// one. A record takes a few hundred bytes, so it leaves room for over 100 000 instances.
    static let maxDicomdirBytes: Int64 = 64 * 1024 * 1024

    let directory: DiscDirectory
    /// The application profile the file-set was built for.
    var profile = ApplicationProfile.generalPurposeCD

    /// Checks the file-set of `directory`, reading the DICOMDIR with `readFile`.
    /// - Throws: ``DiscFileSetProblem`` naming what is wrong, and whatever `readFile`
    ///   throws.
    func check(readFile: (DiscDirectory.Entry) throws -> [UInt8]) throws {
        guard let entry = directory.entry(at: Self.dicomdirName), !entry.isDirectory else {
            throw DiscFileSetProblem("the disc has no DICOMDIR file at its root")
        }
        guard entry.size <= Self.maxDicomdirBytes else {
            throw DiscFileSetProblem(
                "the DICOMDIR has \(entry.size) bytes, more than the "
                    + "\(Self.maxDicomdirBytes) a file-set of this product can have")
        }
        let dicomdir = try DiscDicomDir(bytes: try readFile(entry))

        let fileIDs = try referencedFileIDs(dicomdir)
        var referenced = Set<String>()
        for fileID in fileIDs {
            let path = try checkedPath(fileID)
            guard let file = directory.entry(at: path), !file.isDirectory else {
                throw DiscFileSetProblem(
                    "the DICOMDIR references \(path), which is not a file on the disc")
            }
            referenced.insert(path)
        }

        let prefix = Self.imageFolder + "/"
        for file in directory.entries where !file.isDirectory && file.path.hasPrefix(prefix) {
            guard referenced.contains(file.path) else {
                throw DiscFileSetProblem(
                    "the disc contains \(file.path), which no DICOMDIR record references")
            }
        }
    }

    /// Follows the offsets from the root records and returns the Referenced File ID of
    /// every record that has one, after checking that each offset lands on a record and
    /// that each record is reached once.
    private func referencedFileIDs(_ dicomdir: DiscDicomDir) throws -> [[String]] {
        var byOffset: [UInt32: Int] = [:]
        for (index, record) in dicomdir.records.enumerated() {
            guard byOffset.updateValue(index, forKey: record.offset) == nil else {
                throw DiscFileSetProblem("two DICOMDIR records start at offset \(record.offset)")
            }
        }
        for (name, offset) in [
            ("first root record (0004,1200)", dicomdir.firstRootOffset),
            ("last root record (0004,1202)", dicomdir.lastRootOffset),
        ] where byOffset[offset] == nil {
            throw DiscFileSetProblem(
                "the DICOMDIR's offset of the \(name) is \(offset), where no record starts")
        }

        var visited = Set<Int>()
        var fileIDs: [[String]] = []
        var pending = [dicomdir.firstRootOffset]
        var lastRoot: UInt32 = 0
        var isRootLevel = true
        while let first = pending.popLast() {
            var offset = first
            while offset != 0 {
                guard let index = byOffset[offset] else {
                    throw DiscFileSetProblem(
                        "a DICOMDIR record points to offset \(offset), where no record starts")
                }
                guard visited.insert(index).inserted else {
                    throw DiscFileSetProblem(
                        "the DICOMDIR record at offset \(offset) is reached twice")
                }
                let record = dicomdir.records[index]
                if !record.referencedFileID.isEmpty {
                    try checkTransferSyntax(record)
                    fileIDs.append(record.referencedFileID)
                }
                if record.lowerOffset != 0 {
                    pending.append(record.lowerOffset)
                }
                if isRootLevel {
                    lastRoot = offset
                }
                offset = record.nextOffset
            }
            isRootLevel = false
        }

        guard lastRoot == dicomdir.lastRootOffset else {
            throw DiscFileSetProblem(
                "the DICOMDIR's last root record is at offset \(lastRoot), but (0004,1202) "
                    + "records \(dicomdir.lastRootOffset)")
        }
        guard visited.count == dicomdir.records.count else {
            throw DiscFileSetProblem(
                "\(dicomdir.records.count - visited.count) DICOMDIR records are not reachable "
                    + "from the root")
        }
        return fileIDs
    }

    /// Checks that the record of a file names a transfer syntax that the profile allows.
    private func checkTransferSyntax(_ record: DiscDicomDir.Record) throws {
        let syntax = record.referencedTransferSyntaxUID
        guard profile.allowedTransferSyntaxUIDs.contains(syntax) else {
            let fileID = record.referencedFileID.joined(separator: "\\")
            throw DiscFileSetProblem(
                "the DICOMDIR record of \(fileID) names transfer syntax \"\(syntax)\", which "
                    + "\(profile.rawValue) does not allow")
        }
    }

    /// Returns a Referenced File ID as a path on the disc, after checking that it stays
    /// inside the file-set and uses level 1 names.
    private func checkedPath(_ fileID: [String]) throws -> String {
        let fileIDText = fileID.joined(separator: "\\")
        guard fileID.first?.isEmpty == false else {
            throw DiscFileSetProblem(
                "the DICOMDIR references the absolute path \\\(fileIDText); a Referenced File ID "
                    + "is relative to the DICOMDIR")
        }
        guard !fileID.contains("..") else {
            throw DiscFileSetProblem(
                "the DICOMDIR references \(fileIDText), which leaves the file-set with ..")
        }
        guard fileID.count <= Self.maxPathComponents else {
            throw DiscFileSetProblem(
                "the DICOMDIR references \(fileIDText), which has \(fileID.count) levels, "
                    + "more than \(Self.maxPathComponents)")
        }
        guard fileID.allSatisfy(ISO9660Name.isValid) else {
            throw DiscFileSetProblem(
                "the DICOMDIR references \(fileIDText), which is not made of ISO 9660 level 1 "
                    + "names (1 to 8 of A-Z, 0-9 and underscore)")
        }
        return fileID.joined(separator: "/")
    }
}
