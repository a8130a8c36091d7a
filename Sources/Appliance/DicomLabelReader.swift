import Foundation
import DicomNetwork
import JobEngine
import PatientStore

/// Reads the label details of a disc from the spool files of its instances.
public struct DicomLabelReader: DiscLabelReading {
    /// The institution printed on every label, or nil to print the Institution Name of the
    /// instances.
    public let configuredInstitution: String?

    /// Values longer than this many bytes, such as pixel data, stay unread on disk when a
    /// file is opened. The label's values are short strings.
    static let maxValueLength: UInt32 = 1024

    /// Makes a reader. An empty `configuredInstitution` counts as none.
    public init(configuredInstitution: String?) {
        let trimmed = configuredInstitution?.trimmingCharacters(in: .whitespaces) ?? ""
        self.configuredInstitution = trimmed.isEmpty ? nil : trimmed
    }

    /// Reads one instance per series: the label's values are patient, study, series and
    /// equipment attributes, which every instance of a series shares.
    /// - Throws: `MediaCenterError` with `.parseFailure` when a spool file cannot be read.
    public func labelDetails(of instances: [StoredInstance]) throws -> DiscLabelDetails {
        var details = DiscLabelDetails(institution: configuredInstitution)
        var institutions: [String] = []
        var series: Set<String> = []
        for instance in instances where series.insert(instance.seriesInstanceUID).inserted {
            let file = try DicomFile(path: instance.spoolPath, maxValueLength: Self.maxValueLength)
            if details.birthDate == nil, let birthDate = nonEmpty(file.string(0x0010, 0x0030)) {
                details.birthDate = birthDate
            }
            if let studyDate = nonEmpty(file.string(0x0008, 0x0020)),
                !details.studyDates.contains(studyDate)
            {
                details.studyDates.append(studyDate)
            }
            if let modality = nonEmpty(file.string(0x0008, 0x0060)),
                !details.modalities.contains(modality)
            {
                details.modalities.append(modality)
            }
            if let institution = nonEmpty(file.utf8String(0x0008, 0x0080)),
                !institutions.contains(institution)
            {
                institutions.append(institution)
            }
        }
        if configuredInstitution == nil, !institutions.isEmpty {
            details.institution = institutions.joined(separator: ", ")
        }
        return details
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
