import Foundation
import MediaCenterCore

/// The README.TXT of a disc: plain ASCII with CRLF line ends, so that any system shows it.
/// It states what the disc is, what made it and where to start (INDEX.HTM in a web
/// browser, DICOMDIR in a DICOM viewer), and contains no patient data.
enum ReadmeText {
    /// The product name shown on each disc.
    static let productName = "Media Center"

    /// Returns the text for the file-set of `plan` laid out as `layout`.
    static func make(_ plan: FileSetPlan, _ layout: FileSetLayout) -> String {
        let contents = [
            counted(layout.studyCount, "study", "studies"),
            counted(layout.seriesCount, "series", "series"),
            counted(layout.entries.count, "instance", "instances"),
        ].joined(separator: ", ")

        var lines = [
            "DICOM PATIENT DISC",
            "==================",
            "",
            "This disc holds medical images and related documents in DICOM format",
            "(DICOM Part 10 files, \(profileDescription(plan.profile))).",
            "",
            "Made by:   \(productName) \(ImplementationIdentity.productVersion)"
                + " (\(ImplementationIdentity.versionName))",
            "Made on:   \(timestamp(plan.createdAt, plan.timeZone))",
            "Disc:      \(plan.discNumber) of \(plan.discCount)",
            "File-set:  \(plan.fileSetID.isEmpty ? "(no ID)" : plan.fileSetID)",
            "Contents:  \(contents)",
            "",
            "INDEX.HTM    open this file in a web browser to see the patient, the studies",
            "             and a preview image of each series",
            "DICOMDIR     the index of all DICOM files on this disc; open it with a DICOM",
            "             viewer",
            FileSetLayout.imageFolder + "        the DICOM files, one folder per study and per "
                + "series",
            WebContent.folder + "      the web pages and preview images that INDEX.HTM links to",
            "README.TXT   this file",
        ]
        if plan.discCount > 1 {
            lines += [
                "",
                "This is disc \(plan.discNumber) of \(plan.discCount) of the patient's data. "
                    + "Each disc is a",
                "complete file-set with a DICOMDIR of its own, listing only the studies,",
                "series and instances on that disc.",
            ]
        }
        lines += [
            "",
            "CONFIDENTIAL: this disc holds patient data. Store, copy, send and dispose of",
            "it only as your local privacy and data protection policy allows.",
        ]
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// Names the profile and its transfer syntaxes in under 50 characters, so that the
    /// sentence around it fits a line of 80.
    private static func profileDescription(_ profile: ApplicationProfile) -> String {
        switch profile {
        case .generalPurposeCD:
            "General Purpose CD-R profile STD-GEN-CD"
        case .generalPurposeDVDJPEG, .generalPurposeBDJPEG:
            "General Purpose \(profile.mediaName) profile \(profile.rawValue)"
        }
    }

    private static func counted(_ count: Int, _ singular: String, _ plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    /// Formats `date` as `2024-05-02 14:03:11 UTC+02:00` in `timeZone`.
    private static func timestamp(_ date: Date, _ timeZone: TimeZone) -> String {
        let parts = GeneratedKeys.components(date, timeZone)
        let digits = GeneratedKeys.digits
        let offset = timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(digits(parts.year, 4))-\(digits(parts.month, 2))-\(digits(parts.day, 2)) "
            + "\(digits(parts.hour, 2)):\(digits(parts.minute, 2)):\(digits(parts.second, 2)) "
            + "UTC\(sign)\(digits(minutes / 60, 2)):\(digits(minutes % 60, 2))"
    }
}
