/// A General Purpose Media Storage Application Profile of PS3.11, which sets the transfer
/// syntaxes a disc's media files may have and the keys of its DICOMDIR records.
///
/// The product writes one profile per disc set: STD-GEN-CD on CD media, and the JPEG
/// profiles on DVD and BD media, which also take JPEG Lossless (Process 14, Selection
/// Value 1) so that such instances stay compressed.
public enum ApplicationProfile: String, Sendable, Codable, CaseIterable {
    /// General Purpose CD-R Interchange: Explicit VR Little Endian only.
    case generalPurposeCD = "STD-GEN-CD"
    /// General Purpose DVD Interchange with JPEG.
    case generalPurposeDVDJPEG = "STD-GEN-DVD-JPEG"
    /// General Purpose BD Interchange with JPEG.
    case generalPurposeBDJPEG = "STD-GEN-BD-JPEG"

    /// The transfer syntaxes the profile allows for media files: Explicit VR Little Endian,
    /// and for the JPEG profiles also JPEG Lossless SV1, JPEG Baseline (Process 1) and JPEG
    /// Extended (Process 2 & 4), as DCMTK 3.6.7's DicomDirInterface checks them.
    public var allowedTransferSyntaxUIDs: [String] {
        switch self {
        case .generalPurposeCD:
            [TransferSyntax.explicitVRLittleEndian.rawValue]
        case .generalPurposeDVDJPEG, .generalPurposeBDJPEG:
            [
                TransferSyntax.explicitVRLittleEndian.rawValue,
                TransferSyntax.jpegLossless.rawValue,
                Self.jpegBaselineUID,
                Self.jpegExtendedUID,
            ]
        }
    }

    /// The name of the profile's media in messages and README.TXT, such as `CD-R`.
    public var mediaName: String {
        switch self {
        case .generalPurposeCD: "CD-R"
        case .generalPurposeDVDJPEG: "DVD"
        case .generalPurposeBDJPEG: "BD"
        }
    }

    /// JPEG Baseline (Process 1), lossy.
    static let jpegBaselineUID = "1.2.840.10008.1.2.4.50"
    /// JPEG Extended (Process 2 & 4), lossy.
    static let jpegExtendedUID = "1.2.840.10008.1.2.4.51"
}
