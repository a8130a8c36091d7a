/// The Patient ID a collection is filed under.
///
/// An instance without a Patient ID gets one made at receive time: its Accession Number,
/// or, without one, its Study Instance UID. The Study Instance UID makes each such study a
/// patient of its own, even when an earlier study had the same Patient's Name, because
/// nothing else shows that the two belong to one person. An Accession Number that is not
/// printable ASCII is passed over, because the made ID is written into files whose
/// character set may not be able to carry it.
public struct PatientIdentity: Sendable, Equatable {
    public var patientID: String
    /// Whether `patientID` was made here because the instance had none.
    public var generated: Bool

    /// Resolves the Patient ID of an instance from its own values, each without padding.
    public init(patientID: String?, accessionNumber: String?, studyInstanceUID: String) {
        if let patientID, !patientID.isEmpty {
            self.patientID = patientID
            self.generated = false
        } else if let accessionNumber, PatientIdentity.isPlainASCII(accessionNumber) {
            self.patientID = accessionNumber
            self.generated = true
        } else {
            self.patientID = studyInstanceUID
            self.generated = true
        }
    }

    /// Whether `value` is 1 to 64 printable ASCII characters without a backslash.
    static func isPlainASCII(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 64
            && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }
    }
}
