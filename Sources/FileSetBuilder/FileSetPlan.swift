import Foundation
import MediaCenterCore

/// One stored instance to put on a disc.
public struct FileSetInstance: Sendable, Equatable {
    /// The stored PS3.10 file (or bare data set) as the Storage SCP received it.
    public var sourcePath: String
    /// SOP Instance UID (0008,0018) of the stored instance.
    public var sopInstanceUID: String
    /// Study Instance UID (0020,000D): instances with the same one share a study folder.
    public var studyInstanceUID: String
    /// Series Instance UID (0020,000E): instances with the same one share a series folder.
    public var seriesInstanceUID: String

    /// Makes an instance from the store's index entry. The builder checks the UIDs against
    /// the file it writes.
    public init(
        sourcePath: String, sopInstanceUID: String, studyInstanceUID: String,
        seriesInstanceUID: String
    ) {
        self.sourcePath = sourcePath
        self.sopInstanceUID = sopInstanceUID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
    }
}

/// Everything one disc's file-set is made from: one patient's instances (or the part that
/// fits on this disc when a patient spans several) and the values the disc is labelled with.
public struct FileSetPlan: Sendable {
    /// The instances, in the order their folders and files are numbered.
    public var instances: [FileSetInstance]
    /// Patient ID (0010,0020) written into each instance that has none, or nil when every
    /// instance has its own. The caller derives it
    /// (`GeneratedKeys.patientID(accessionNumber:studyInstanceUID:)` is the rule of the
    /// product this one replaces). At most 64 characters of printable ASCII, no backslash.
    public var patientID: String?
    /// Source Application Entity Title (0002,0016) of every file's meta header: the AE
    /// title of this Media AE. 1 to 16 characters, no backslash.
    public var sourceAETitle: String
    /// File-set ID (0004,1130) of the DICOMDIR: at most 16 characters of A-Z, 0-9, space
    /// and underscore.
    public var fileSetID: String
    /// This disc's number, from 1, for "disc n of m" in README.TXT.
    public var discNumber: Int
    /// The number of discs the patient's data spans.
    public var discCount: Int
    /// When the file-set is made: README.TXT shows it, and it is the Study Date and Study
    /// Time written where an instance has none.
    public var createdAt: Date
    /// The time zone `createdAt` is shown and written in (the appliance's own by default).
    public var timeZone: TimeZone
    /// The application profile of the disc, which decides the transfer syntax of each
    /// media file and the keys of the DICOMDIR.
    public var profile: ApplicationProfile

    /// Makes a plan. See the properties for the limits of each value.
    public init(
        instances: [FileSetInstance], patientID: String?, sourceAETitle: String,
        fileSetID: String, discNumber: Int = 1, discCount: Int = 1, createdAt: Date = Date(),
        timeZone: TimeZone = .current, profile: ApplicationProfile = .generalPurposeCD
    ) {
        self.instances = instances
        self.patientID = patientID
        self.sourceAETitle = sourceAETitle
        self.fileSetID = fileSetID
        self.discNumber = discNumber
        self.discCount = discCount
        self.createdAt = createdAt
        self.timeZone = timeZone
        self.profile = profile
    }
}

extension FileSetPlan {
    /// Checks every value against the limits DICOM and the disc layout set.
    /// - Throws: `MediaCenterError` with code `.invalidArgument`, naming the value.
    func validate() throws {
        guard !instances.isEmpty else {
            throw invalid("the plan has no instances; a file-set needs at least one")
        }
        guard discNumber >= 1, discCount >= discNumber else {
            throw invalid(
                "disc \(discNumber) of \(discCount) is not a valid disc number; "
                    + "it must be from 1 to the disc count")
        }
        guard isValidFileSetID(fileSetID) else {
            throw invalid(
                "File-set ID \"\(fileSetID)\" is invalid; use at most 16 characters of A-Z, "
                    + "0-9, space and underscore")
        }
        guard isValidAETitle(sourceAETitle) else {
            throw invalid(
                "Source AE Title \"\(sourceAETitle)\" is invalid; use 1 to 16 printable "
                    + "ASCII characters without backslash, not only spaces")
        }
        if let patientID, !isValidPatientID(patientID) {
            throw invalid(
                "the Patient ID to fill in is invalid (empty, longer than 64 characters, or "
                    + "not printable ASCII without backslash); fix how the caller derives it")
        }
        try validateInstances()
    }

    private func validateInstances() throws {
        var seen = Set<String>()
        for instance in instances {
            let uids = [
                instance.sopInstanceUID, instance.studyInstanceUID, instance.seriesInstanceUID,
            ]
            guard !instance.sourcePath.isEmpty, uids.allSatisfy({ !$0.isEmpty }) else {
                throw invalid(
                    "instance \"\(instance.sopInstanceUID)\" has an empty source path or UID; "
                        + "rebuild the patient store's index")
            }
            guard seen.insert(instance.sopInstanceUID).inserted else {
                throw invalid(
                    "instance \(instance.sopInstanceUID) is listed twice in the plan; a "
                        + "file-set holds each SOP Instance UID once, so list it once")
            }
        }
    }

    private func invalid(_ message: String) -> MediaCenterError {
        MediaCenterError(.invalidArgument, message)
    }
}

private func isValidFileSetID(_ value: String) -> Bool {
    value.utf8.count <= 16
        && value.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "_")
        }
}

private func isValidAETitle(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    return (1...16).contains(bytes.count)
        && bytes.contains { $0 != UInt8(ascii: " ") }
        && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }
}

// ASCII only, because the value goes into instances whatever their Specific Character Set.
private func isValidPatientID(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    return (1...64).contains(bytes.count)
        && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }
}
