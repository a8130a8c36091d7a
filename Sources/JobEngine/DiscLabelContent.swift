import Foundation
import MediaHardware
import PatientStore

/// The values a disc label shows beyond the patient's name and ID (which the store
/// records), read from the instances on the disc.
public struct DiscLabelDetails: Sendable, Equatable {
    /// Patient's Birth Date (0010,0030) as stored, such as `19700131`, or nil.
    public var birthDate: String?
    /// Study Date (0008,0020) of each study on the disc, without repeats.
    public var studyDates: [String]
    /// Modality (0008,0060) of each series on the disc, without repeats.
    public var modalities: [String]
    /// The institution to print: a configured text, or the Institution Name (0008,0080) of
    /// the instances. Nil prints no institution line.
    public var institution: String?

    public init(
        birthDate: String? = nil, studyDates: [String] = [], modalities: [String] = [],
        institution: String? = nil
    ) {
        self.birthDate = birthDate
        self.studyDates = studyDates
        self.modalities = modalities
        self.institution = institution
    }
}

/// Reads the label details of a disc from its instances. The daemon reads the spool files
/// with DICOM's reader; tests use fakes.
public protocol DiscLabelReading: Sendable {
    /// Reads the details that the label of a disc holding `instances` shows.
    /// - Throws: when an instance's file cannot be read.
    func labelDetails(of instances: [StoredInstance]) throws -> DiscLabelDetails
}

/// The lines of a verified disc's label. It carries patient data, as a patient disc's
/// label must, and is printed only on the disc.
public struct DiscLabelContent: Sendable, Equatable {
    /// Patient's Name as the store records it, decoded to UTF-8 with its `^` and `=`
    /// separators.
    public var patientName: String
    public var patientID: String
    public var details: DiscLabelDetails
    /// Position of the disc in its set, from 1.
    public var discNumber: Int
    /// Discs in the set.
    public var discCount: Int

    /// The maximum number of study dates listed one by one. More are shown as their range.
    static let listedStudyDates = 3

    public init(
        patientName: String, patientID: String, details: DiscLabelDetails, discNumber: Int,
        discCount: Int
    ) {
        self.patientName = patientName
        self.patientID = patientID
        self.details = details
        self.discNumber = discNumber
        self.discCount = discCount
    }

    /// Makes the label: the name, the ID, then the birth date, study dates, modalities
    /// and institution when known, and "Disc n of m" last.
    public func label() -> DiscLabel {
        var lines = [Self.displayName(patientName), "ID \(patientID)"]
        if let birthDate = details.birthDate, !birthDate.isEmpty {
            lines.append("Born \(Self.displayDate(birthDate))")
        }
        let dates = Array(Set(details.studyDates.filter { !$0.isEmpty })).sorted()
        if dates.count == 1 {
            lines.append("Study \(Self.displayDate(dates[0]))")
        } else if dates.count <= Self.listedStudyDates, !dates.isEmpty {
            lines.append("Studies " + dates.map(Self.displayDate).joined(separator: ", "))
        } else if let first = dates.first, let last = dates.last {
            lines.append(
                "\(dates.count) studies \(Self.displayDate(first)) to \(Self.displayDate(last))")
        }
        let modalities = Array(Set(details.modalities.filter { !$0.isEmpty })).sorted()
        if !modalities.isEmpty {
            lines.append(modalities.joined(separator: ", "))
        }
        if let institution = details.institution, !institution.isEmpty {
            lines.append(institution)
        }
        lines.append("Disc \(discNumber) of \(discCount)")
        return DiscLabel(lines: lines)
    }

    /// Formats a Person Name value for reading: each component group (alphabetic,
    /// ideographic, phonetic) as "Family, Given Middle Prefix Suffix", and the groups
    /// joined with " = ".
    static func displayName(_ value: String) -> String {
        let groups = value.split(separator: "=", omittingEmptySubsequences: false).map {
            group -> String in
            let components = group.split(separator: "^", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let family = components.first ?? ""
            let rest = components.dropFirst().filter { !$0.isEmpty }.joined(separator: " ")
            if family.isEmpty { return rest }
            return rest.isEmpty ? family : family + ", " + rest
        }
        return groups.filter { !$0.isEmpty }.joined(separator: " = ")
    }

    /// Formats a DA value `YYYYMMDD` as `YYYY-MM-DD`, and returns any other value as stored.
    static func displayDate(_ value: String) -> String {
        let digits = Array(value.trimmingCharacters(in: .whitespaces))
        guard digits.count == 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber)
        else {
            return value
        }
        return String(digits[0..<4]) + "-" + String(digits[4..<6]) + "-" + String(digits[6..<8])
    }
}
