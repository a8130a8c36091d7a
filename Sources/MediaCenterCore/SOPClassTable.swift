/// A transfer syntax this product accepts on the network.
public enum TransferSyntax: String, Sendable, CaseIterable {
    case explicitVRLittleEndian = "1.2.840.10008.1.2.1"
    case implicitVRLittleEndian = "1.2.840.10008.1.2"
    /// JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1).
    case jpegLossless = "1.2.840.10008.1.2.4.70"
    case rleLossless = "1.2.840.10008.1.2.5"
}

/// A SOP class accepted by the Storage SCP, with its transfer syntaxes in order of preference.
public struct SOPClass: Sendable, Equatable {
    public let uid: String
    public let name: String
    public let transferSyntaxes: [TransferSyntax]
    /// The DICOMDIR record type of its instances on a disc; nil for Verification.
    public let recordType: DirectoryRecordType?

    /// Whether this is an image class: one that takes JPEG Lossless and RLE Lossless besides
    /// the uncompressed transfer syntaxes, because its instances carry pixel data.
    public var isImage: Bool { transferSyntaxes.contains(.jpegLossless) }

    /// Makes a class with the transfer syntaxes given.
    public init(
        uid: String, name: String, transferSyntaxes: [TransferSyntax],
        recordType: DirectoryRecordType?
    ) {
        self.uid = uid
        self.name = name
        self.transferSyntaxes = transferSyntaxes
        self.recordType = recordType
    }

    /// Makes a class with the transfer syntaxes of an image class when `isImage` is true,
    /// else with the uncompressed ones.
    public init(uid: String, name: String, recordType: DirectoryRecordType, isImage: Bool) {
        let uncompressed: [TransferSyntax] = [.explicitVRLittleEndian, .implicitVRLittleEndian]
        self.init(
            uid: uid, name: name,
            transferSyntaxes: isImage
                ? uncompressed + [.jpegLossless, .rleLossless] : uncompressed,
            recordType: recordType)
    }
}

/// The SOP classes and transfer syntaxes the Storage SCP accepts: `all` always, and
/// `extended` too when the configuration turns it on. Image classes take the two
/// uncompressed syntaxes plus JPEG Lossless and RLE Lossless; all others take only the
/// uncompressed ones.
public enum SOPClassTable {
    /// The Verification SOP class UID (C-ECHO).
    public static let verificationUID = "1.2.840.10008.1.1"

    /// The SOP classes accepted in every configuration, Verification included.
    public static let all: [SOPClass] = [
        SOPClass(
            uid: "1.2.840.10008.1.1", name: "Verification",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: nil),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.1.1", name: "12-Lead ECG Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.1.3", name: "Ambulatory ECG Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.3.1",
            name: "Basic Cardiac Electrophysiology Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.11", name: "Basic Text SR Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .srDocument),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.4.1", name: "Basic Voice Audio Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.65", name: "Chest CAD SR Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .srDocument),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.33", name: "Comprehensive SR Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .srDocument),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1", name: "Computed Radiography Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.2", name: "CT Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.3",
            name: "Digital Intra-Oral X-Ray Image Storage - For Presentation",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.3.1",
            name: "Digital Intra-Oral X-Ray Image Storage - For Processing",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.2",
            name: "Digital Mammography X-Ray Image Storage - For Presentation",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.2.1",
            name: "Digital Mammography X-Ray Image Storage - For Processing",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.1",
            name: "Digital X-Ray Image Storage - For Presentation",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.1.1.1",
            name: "Digital X-Ray Image Storage - For Processing",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.2.1", name: "Enhanced CT Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.4.1", name: "Enhanced MR Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.22", name: "Enhanced SR Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .srDocument),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.1.2", name: "General ECG Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.1.30", name: "Hardcopy Color Image Storage (Retired)",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.1.29", name: "Hardcopy Grayscale Image Storage (Retired)",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.2.1", name: "Hemodynamic Waveform Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .waveform),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.59", name: "Key Object Selection Document Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .keyObjectDoc),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.50", name: "Mammography CAD SR Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .srDocument),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.4", name: "MR Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.4.2", name: "MR Spectroscopy Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .spectroscopy),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.7.2",
            name: "Multi-frame Grayscale Byte Secondary Capture Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.7.3",
            name: "Multi-frame Grayscale Word Secondary Capture Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.7.1",
            name: "Multi-frame Single Bit Secondary Capture Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.7.4",
            name: "Multi-frame True Color Secondary Capture Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.5", name: "Nuclear Medicine Image Storage (Retired)",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.20", name: "Nuclear Medicine Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.2",
            name: "Ophthalmic Photography 16 Bit Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.1",
            name: "Ophthalmic Photography 8 Bit Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.128", name: "Positron Emission Tomography Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.4", name: "RT Beams Treatment Record Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .rtTreatRecord),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.6", name: "RT Brachy Treatment Record Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .rtTreatRecord),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.2", name: "RT Dose Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .rtDose),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.1", name: "RT Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.5", name: "RT Plan Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .rtPlan),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.3", name: "RT Structure Set Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .rtStructureSet),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.7", name: "RT Treatment Summary Record Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .rtTreatRecord),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.7", name: "Secondary Capture Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.1",
            name: "Grayscale Softcopy Presentation State Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .presentation),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.2", name: "Spatial Fiducials Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .fiducial),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.1", name: "Spatial Registration Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .registration),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9", name: "Standalone Curve Storage (Retired)",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .curve),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.10", name: "Standalone Modality LUT Storage (Retired)",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .modalityLUT),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.8", name: "Standalone Overlay Storage (Retired)",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .overlay),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11", name: "Standalone VOI LUT Storage (Retired)",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .voiLUT),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.3", name: "Stereometric Relationship Storage",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .stereometric),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.6", name: "Ultrasound Image Storage (Retired)",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.6.1", name: "Ultrasound Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.3",
            name: "Ultrasound Multi-frame Image Storage (Retired)",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.3.1", name: "Ultrasound Multi-frame Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.1.1", name: "Video Endoscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.2.1", name: "Video Microscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.4.1", name: "Video Photographic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.1", name: "VL Endoscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.2", name: "VL Microscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.4", name: "VL Photographic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.3",
            name: "VL Slide-Coordinates Microscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.12.3",
            name: "X-Ray Angiographic Bi-Plane Image Storage (Retired)",
            transferSyntaxes: [.explicitVRLittleEndian, .implicitVRLittleEndian],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.12.1", name: "X-Ray Angiographic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.12.2", name: "X-Ray Radiofluoroscopic Image Storage",
            transferSyntaxes: [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ],
            recordType: .image),
    ]

    /// The table of `all` in the form the DICOM shim reads, without the extended set.
    public static var presentationTable: String {
        presentationTable(includingExtended: false)
    }

    /// Returns the table in the form the DICOM shim reads: one line per SOP class, the class
    /// UID and then its transfer syntax UIDs, separated by tabs. It lists `all`, followed by
    /// `extended` when `includingExtended` is true.
    public static func presentationTable(includingExtended: Bool) -> String {
        let classes = includingExtended ? all + extended : all
        return classes.map {
            ([$0.uid] + $0.transferSyntaxes.map(\.rawValue)).joined(separator: "\t")
        }
        .joined(separator: "\n")
    }

    /// Looks up a SOP class by its UID in `all`, and in `extended` too when
    /// `includingExtended` is true.
    public static func sopClass(uid: String, includingExtended: Bool = false) -> SOPClass? {
        all.first { $0.uid == uid }
            ?? (includingExtended ? extended.first { $0.uid == uid } : nil)
    }
}
