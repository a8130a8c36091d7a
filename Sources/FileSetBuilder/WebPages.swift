import Foundation
import MediaCenterCore

/// The HTML text of the disc's web pages (see `WebContent`). Every attribute value passes
/// through `HTMLText.escape` before it reaches a page, and every link is relative.
struct WebPages {
    let plan: FileSetPlan
    let studies: [WebStudy]

    /// The patient's attributes, from the first instance on the disc.
    private var patient: InstanceSummary { studies[0].summary }

    /// Makes `INDEX.HTM`: product, patient, the studies with links to their pages, and
    /// links to README.TXT.
    func indexPage() -> String {
        var rows: [String] = []
        for study in studies {
            let summary = study.summary
            let link = WebContent.folder + "/" + study.pageName
            rows.append(
                "<tr><td>\(HTMLText.date(summary.studyDate))</td>"
                    + "<td>\(HTMLText.time(summary.studyTime))</td>"
                    + "<td><a href=\"\(link)\">\(studyTitle(summary))</a></td>"
                    + "<td>\(HTMLText.escape(modalities(study)))</td>"
                    + "<td class=\"number\">\(study.series.count)</td>"
                    + "<td class=\"number\">\(study.instanceCount)</td></tr>")
        }
        var body = [
            "<h1>Patient disc</h1>",
            patientTable(),
            "<h2>Studies</h2>",
            "<table><thead><tr><th>Date</th><th>Time</th><th>Description</th>"
                + "<th>Modalities</th><th>Series</th><th>Instances</th></tr></thead>",
            "<tbody>",
        ]
        body += rows
        body += [
            "</tbody></table>",
            "<h2>About this disc</h2>",
            "<p>\(discLine())</p>",
            "<p>The images are stored in DICOM format in the folder <code>DICOM</code>, listed "
                + "in <code>DICOMDIR</code>; open that file with a DICOM viewer for diagnostic "
                + "viewing. The previews on these pages are reduced in size and are not "
                + "meant for diagnosis.</p>",
            "<p><a href=\"\(readmeName)\">\(readmeName)</a> describes the "
                + "disc in plain text.</p>",
            "<p class=\"note\">This disc contains patient data. Store, copy, send and dispose "
                + "of it only as your local privacy and data protection policy allows.</p>",
        ]
        return page(title: "Patient disc", body: body)
    }

    /// Makes a study's page: its attributes and a table of its series with previews.
    func studyPage(_ study: WebStudy) -> String {
        let summary = study.summary
        var body = [
            "<p class=\"path\"><a href=\"../\(WebContent.indexName)\">Patient disc</a></p>",
            "<h1>\(studyTitle(summary))</h1>",
            patientTable(),
            "<h2>Study</h2>",
            "<table class=\"fields\">",
            field("Date", HTMLText.date(summary.studyDate)),
            field("Time", HTMLText.time(summary.studyTime)),
            field("Description", HTMLText.escape(summary.studyDescription)),
            field("Study ID", HTMLText.escape(summary.studyID)),
            field("Accession number", HTMLText.escape(summary.accessionNumber)),
            "</table>",
            "<h2>Series</h2>",
            "<table><thead><tr><th>Number</th><th>Modality</th><th>Description</th>"
                + "<th>Instances</th><th>Preview</th></tr></thead>",
            "<tbody>",
        ]
        for series in study.series {
            let summary = series.summary
            body.append(
                "<tr><td>\(HTMLText.escape(summary.seriesNumber))</td>"
                    + "<td>\(HTMLText.escape(summary.modality))</td>"
                    + "<td><a href=\"\(series.pageName)\">\(seriesTitle(summary))</a></td>"
                    + "<td class=\"number\">\(series.instances.count)</td>"
                    + "<td>\(previewElement(series, thumbnail: true))</td></tr>")
        }
        body.append("</tbody></table>")
        return page(title: "Study", body: body)
    }

    /// Makes a series' page: its attributes, its preview or a line that explains why there is
    /// none, and a table of its instances.
    func seriesPage(_ series: WebSeries, of study: WebStudy) -> String {
        let summary = series.summary
        var body = [
            "<p class=\"path\"><a href=\"../\(WebContent.indexName)\">Patient disc</a> &gt; "
                + "<a href=\"\(study.pageName)\">\(studyTitle(study.summary))</a></p>",
            "<h1>\(seriesTitle(summary))</h1>",
            patientTable(),
            "<h2>Series</h2>",
            "<table class=\"fields\">",
            field("Number", HTMLText.escape(summary.seriesNumber)),
            field("Modality", HTMLText.escape(summary.modality)),
            field("Description", HTMLText.escape(summary.seriesDescription)),
            field("Instances", "\(series.instances.count)"),
            "</table>",
            "<h2>Preview</h2>",
            "<p>\(previewElement(series, thumbnail: false))</p>",
            "<h2>Instances</h2>",
            "<table><thead><tr><th>Number</th><th>Type</th><th>Frames</th>"
                + "<th>File on this disc</th></tr></thead>",
            "<tbody>",
        ]
        for instance in series.instances {
            let summary = instance.summary
            let type =
                sopClassName(summary.sopClassUID)
                + (summary.hasPixelData ? "" : " (no image)")
            var frames = ""
            if summary.hasPixelData {
                frames = summary.numberOfFrames.isEmpty ? "1" : summary.numberOfFrames
            }
            body.append(
                "<tr><td>\(HTMLText.escape(summary.instanceNumber))</td>"
                    + "<td>\(HTMLText.escape(type))</td>"
                    + "<td class=\"number\">\(HTMLText.escape(frames))</td>"
                    + "<td><code>\(HTMLText.escape(instance.relativePath))</code></td></tr>")
        }
        body.append("</tbody></table>")
        return page(title: "Series", body: body)
    }

    /// Returns the preview image of `series`, or a line of text that explains why it has none.
    private func previewElement(_ series: WebSeries, thumbnail: Bool) -> String {
        guard let source = series.preview.source else {
            let types = Set(series.instances.map { sopClassName($0.summary.sopClassUID) })
            return "<span class=\"note\">No image to preview: this series contains "
                + HTMLText.escape(types.sorted().joined(separator: ", ")) + ".</span>"
        }
        guard let size = series.preview.size else {
            return "<span class=\"note\">No preview: the image in <code>"
                + HTMLText.escape(source) + "</code> cannot be rendered here. Open it with a "
                + "DICOM viewer.</span>"
        }
        let scale = thumbnail ? min(1.0, 128.0 / Double(max(size.width, size.height))) : 1.0
        let width = max(1, Int((Double(size.width) * scale).rounded()))
        let height = max(1, Int((Double(size.height) * scale).rounded()))
        let image =
            "<img src=\"\(series.previewName)\" width=\"\(width)\" height=\"\(height)\" "
            + "alt=\"Preview of series \(HTMLText.escape(series.summary.seriesNumber))\">"
        guard !thumbnail else { return "<a href=\"\(series.pageName)\">\(image)</a>" }
        let previewed = series.instances.first { $0.relativePath == source }?.summary
        let frames = Int(previewed?.numberOfFrames ?? "") ?? 1
        return image + "<br><span class=\"note\">Preview of instance "
            + HTMLText.escape(previewed?.instanceNumber ?? "") + " (<code>"
            + HTMLText.escape(source) + "</code>)"
            + (frames > 1 ? ", frame \(frames / 2 + 1) of \(frames)" : "")
            + ".</span>"
    }

    private func patientTable() -> String {
        [
            "<table class=\"fields patient\">",
            field("Patient", HTMLText.personName(patient.patientName)),
            field("Patient ID", HTMLText.escape(patient.patientID)),
            field("Birth date", HTMLText.date(patient.patientBirthDate)),
            field("Sex", HTMLText.escape(patient.patientSex)),
            "</table>",
        ].joined(separator: "\n")
    }

    /// Makes a table row with a label and an already escaped value.
    private func field(_ label: String, _ value: String) -> String {
        "<tr><th>\(label)</th><td>\(value)</td></tr>"
    }

    private func studyTitle(_ summary: InstanceSummary) -> String {
        summary.studyDescription.isEmpty
            ? "Study of " + HTMLText.date(summary.studyDate)
            : HTMLText.escape(summary.studyDescription)
    }

    private func seriesTitle(_ summary: InstanceSummary) -> String {
        let number = summary.seriesNumber.isEmpty ? "" : " " + summary.seriesNumber
        let description = summary.seriesDescription.isEmpty ? "" : ": " + summary.seriesDescription
        return HTMLText.escape("Series" + number + description)
    }

    private func modalities(_ study: WebStudy) -> String {
        var seen: [String] = []
        for series in study.series where !seen.contains(series.summary.modality) {
            seen.append(series.summary.modality)
        }
        return seen.filter { !$0.isEmpty }.joined(separator: ", ")
    }

    private func sopClassName(_ uid: String) -> String {
        SOPClassTable.sopClass(uid: uid, includingExtended: true)?.name ?? uid
    }

    private func discLine() -> String {
        let product =
            "Made by \(ReadmeText.productName) \(ImplementationIdentity.productVersion)"
        guard plan.discCount > 1 else { return product + "." }
        return product + ". This is disc \(plan.discNumber) of \(plan.discCount): the "
            + "patient's data fill \(plan.discCount) discs, and each shows only its own part."
    }

    /// Makes a complete page with the product's name in its title.
    private func page(title: String, body: [String]) -> String {
        let head = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(HTMLText.escape(title)) - \(ReadmeText.productName)</title>",
            "<style>\(Self.style)</style>",
            "</head>",
            "<body>",
        ]
        let footer =
            "<p class=\"footer\">\(ReadmeText.productName) "
            + "\(ImplementationIdentity.productVersion)</p>"
        return (head + body + [footer, "</body>", "</html>", ""]).joined(separator: "\n")
    }

    /// The style of every page, inline so that no file has to be found through a link.
    private static let style = """
        body { font-family: sans-serif; margin: 1.5em; color: #222; background: #fff; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left;
          vertical-align: middle; }
        table.fields th { background: #f2f2f2; }
        thead th { background: #e6e6e6; }
        td.number { text-align: right; }
        img { background: #000; }
        .note { color: #555; } .path, .footer { font-size: 0.9em; color: #555; }
        """
}

/// Text made safe for HTML, and the DICOM value formats the pages show.
enum HTMLText {
    /// Returns `value` with `&`, `<`, `>`, `"` and `'` as character references, and control
    /// characters as spaces, so that it shows as text in an element or an attribute value.
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case _ where scalar.properties.generalCategory == .control: escaped += " "
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Formats a PN value for reading, escaped: the components of each representation
    /// (alphabetic, ideographic, phonetic) are joined by spaces and the representations by
    /// " = ", so `Yamada^Tarou=山田^太郎` shows as "Yamada Tarou = 山田 太郎".
    static func personName(_ value: String) -> String {
        let groups = value.split(separator: "=", omittingEmptySubsequences: false).map { group in
            group.split(separator: "^")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
                .joined(separator: " ")
        }
        return escape(groups.filter { !$0.isEmpty }.joined(separator: " = "))
    }

    /// Formats a DA value `YYYYMMDD` as `YYYY-MM-DD`, escaped. Other values are shown as
    /// they are.
    static func date(_ value: String) -> String {
        let digits = Array(value.utf8)
        guard digits.count == 8, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return escape(value)
        }
        return "\(value.prefix(4))-\(value.dropFirst(4).prefix(2))-\(value.suffix(2))"
    }

    /// Formats a TM value `HHMMSS.FFFFFF` as `HH:MM:SS` (or `HH:MM`, `HH`), escaped. Other
    /// values are shown as they are.
    static func time(_ value: String) -> String {
        let whole = value.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        let digits = Array(whole.utf8)
        guard [2, 4, 6].contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            return escape(value)
        }
        var parts: [Substring] = []
        var rest = Substring(whole)
        while !rest.isEmpty {
            parts.append(rest.prefix(2))
            rest = rest.dropFirst(2)
        }
        return parts.joined(separator: ":")
    }
}
