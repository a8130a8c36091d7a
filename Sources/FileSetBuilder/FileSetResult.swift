/// One media file of a finished file-set.
public struct FileSetFile: Sendable, Equatable {
    /// SOP Instance UID (0008,0018) of the instance in the file.
    public var sopInstanceUID: String
    /// The file's path below the file-set root, such as `DICOM/ST000001/SE000001/IM000001`.
    public var relativePath: String
    /// The file's size in bytes.
    public var byteCount: Int64

    /// Makes a file entry.
    public init(sopInstanceUID: String, relativePath: String, byteCount: Int64) {
        self.sopInstanceUID = sopInstanceUID
        self.relativePath = relativePath
        self.byteCount = byteCount
    }
}

/// A finished and checked file-set, ready to be made into a disc image.
public struct FileSetResult: Sendable {
    /// The absolute path of the file-set's root folder, which contains DICOMDIR and README.TXT.
    public var root: String
    /// The media files, in the order of the plan's instances.
    public var files: [FileSetFile]
    /// The number of study folders.
    public var studyCount: Int
    /// The number of series folders.
    public var seriesCount: Int
    /// The bytes of every file below the root, DICOMDIR and README.TXT included (not the
    /// space they take on a disc, which rounds each file up to whole sectors).
    public var totalBytes: Int64

    /// Makes a result.
    public init(
        root: String, files: [FileSetFile], studyCount: Int, seriesCount: Int, totalBytes: Int64
    ) {
        self.root = root
        self.files = files
        self.studyCount = studyCount
        self.seriesCount = seriesCount
        self.totalBytes = totalBytes
    }
}

/// The File-set Consistency Flag (0004,1212) a DICOMDIR is written with.
public enum FileSetConsistencyFlag: UInt16, Sendable {
    /// 0000H: no known inconsistencies. Right for this product, which checks each
    /// file-set before it is recorded.
    case noKnownInconsistencies = 0x0000
    /// FFFFH: readers are to assume that inconsistencies may be present. The product this
    /// one replaces wrote this value.
    case inconsistenciesMayBePresent = 0xFFFF
}
