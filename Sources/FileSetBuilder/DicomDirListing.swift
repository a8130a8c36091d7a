/// One directory record of a DICOMDIR as it is stored in the file.
public struct DicomDirRecord: Sendable, Equatable {
    /// The byte offset of the record's item from the start of the file.
    public var offset: UInt32
    /// Offset of the Next Directory Record (0004,1400), 0 for none.
    public var nextOffset: UInt32
    /// Offset of Referenced Lower-Level Directory Entity (0004,1420), 0 for none.
    public var lowerOffset: UInt32
    /// Directory Record Type (0004,1430), such as `PATIENT` or `IMAGE`.
    public var recordType: String
    /// Referenced File ID (0004,1500) with its components joined by `/`, empty for none.
    public var referencedFileID: String
    /// Referenced SOP Class UID in File (0004,1510), empty for none.
    public var referencedSOPClassUID: String
    /// Referenced SOP Instance UID in File (0004,1511), empty for none.
    public var referencedSOPInstanceUID: String
    /// Referenced Transfer Syntax UID in File (0004,1512), empty for none.
    public var referencedTransferSyntaxUID: String

    /// Makes a record from its stored values.
    public init(
        offset: UInt32, nextOffset: UInt32, lowerOffset: UInt32, recordType: String,
        referencedFileID: String, referencedSOPClassUID: String,
        referencedSOPInstanceUID: String, referencedTransferSyntaxUID: String
    ) {
        self.offset = offset
        self.nextOffset = nextOffset
        self.lowerOffset = lowerOffset
        self.recordType = recordType
        self.referencedFileID = referencedFileID
        self.referencedSOPClassUID = referencedSOPClassUID
        self.referencedSOPInstanceUID = referencedSOPInstanceUID
        self.referencedTransferSyntaxUID = referencedTransferSyntaxUID
    }
}

/// A written DICOMDIR read back as stored, with its offsets unresolved, so that they can be
/// checked. `read(_:)` makes one.
public struct DicomDirListing: Sendable {
    /// Transfer Syntax UID (0002,0010) of the DICOMDIR file.
    public var transferSyntaxUID: String
    /// File-set ID (0004,1130), empty when it has none.
    public var fileSetID: String
    /// Offset of the First Directory Record of the Root Directory Entity (0004,1200).
    public var firstRootOffset: UInt32
    /// Offset of the Last Directory Record of the Root Directory Entity (0004,1202).
    public var lastRootOffset: UInt32
    /// File-set Consistency Flag (0004,1212).
    public var consistencyFlag: UInt16
    /// The items of the Directory Record Sequence (0004,1220), in file order.
    public var records: [DicomDirRecord]

    /// Makes a listing from its stored values.
    public init(
        transferSyntaxUID: String, fileSetID: String, firstRootOffset: UInt32,
        lastRootOffset: UInt32, consistencyFlag: UInt16, records: [DicomDirRecord]
    ) {
        self.transferSyntaxUID = transferSyntaxUID
        self.fileSetID = fileSetID
        self.firstRootOffset = firstRootOffset
        self.lastRootOffset = lastRootOffset
        self.consistencyFlag = consistencyFlag
        self.records = records
    }

    /// Returns the records whose Directory Record Type is `recordType`, in file order.
    public func records(ofType recordType: String) -> [DicomDirRecord] {
        records.filter { $0.recordType == recordType }
    }
}
