import Foundation
import MediaCenterCore

private let logger = Logger(label: "fileset")

/// The web content that IHE Portable Data for Imaging (PDI) expects on a disc, so that the
/// patient's data can be viewed with only a web browser. `INDEX.HTM` is at the root. The
/// folder `IHE_PDI/` contains one page per study (`STU00001.HTM`), one page per series
/// (`SER00001.HTM`) and a PNG preview of a middle image of each series (`SER00001.PNG`).
///
/// Studies and series are numbered across the disc in the order of the layout, and every
/// name comes from those counters, never from attribute values. The pages are plain HTML
/// with inline CSS and relative links only, so they work from a `file://` URL without
/// scripts or network access. Attribute values are read from the written media files,
/// decoded from their Specific Character Set to UTF-8 and HTML-escaped.
struct WebContent {
    /// The folder at the root that contains the study and series pages and the previews.
    static let folder = "IHE_PDI"
    /// The start page at the root.
    static let indexName = "INDEX.HTM"
    /// The largest width or height of a preview, in pixels.
    static let maxPreviewDimension: UInt32 = 512

    let plan: FileSetPlan
    /// The studies in layout order, each with its series and instances.
    let studies: [WebStudy]

    /// Collects the attributes the pages show: from `summaries`, one per entry of `layout`
    /// in its order, or else from the media files below `root`.
    /// - Throws: `MediaCenterError` naming the file that cannot be read.
    init(
        plan: FileSetPlan, layout: FileSetLayout, root: String,
        summaries: [InstanceSummary]? = nil
    ) throws {
        precondition(
            summaries == nil || summaries?.count == layout.entries.count,
            "one summary per layout entry")
        self.plan = plan
        self.studies = try Self.collect(layout, root, summaries)
    }

    /// Writes `INDEX.HTM`, the `IHE_PDI` folder and its pages and previews below `root`.
    /// A series whose middle image cannot be rendered gets a line of text in place of its
    /// preview, and the build goes on.
    /// - Returns: the paths of the files written, relative to `root`.
    /// - Throws: `MediaCenterError` when a file cannot be written.
    func write(into root: String) throws -> [String] {
        let folderPath = root + "/" + Self.folder
        do {
            try FileManager.default.createDirectory(
                atPath: folderPath, withIntermediateDirectories: false)
        } catch {
            throw MediaCenterError(
                .ioFailure,
                "the folder \(folderPath) cannot be created; check free space and permissions",
                cause: "\(error)")
        }

        var written: [String] = []
        var rendered = studies
        for studyIndex in rendered.indices {
            for seriesIndex in rendered[studyIndex].series.indices {
                let series = rendered[studyIndex].series[seriesIndex]
                rendered[studyIndex].series[seriesIndex].preview = try writePreview(series, root)
                if rendered[studyIndex].series[seriesIndex].preview.size != nil {
                    written.append(Self.folder + "/" + series.previewName)
                }
            }
        }

        let pages = WebPages(plan: plan, studies: rendered)
        for study in rendered {
            let path = Self.folder + "/" + study.pageName
            try writeText(pages.studyPage(study), root + "/" + path)
            written.append(path)
            for series in study.series {
                let path = Self.folder + "/" + series.pageName
                try writeText(pages.seriesPage(series, of: study), root + "/" + path)
                written.append(path)
            }
        }
        try writeText(pages.indexPage(), root + "/" + Self.indexName)
        written.append(Self.indexName)
        return written
    }

    /// Groups the layout's entries by their study and series folders, which keeps the
    /// layout's order and its one-folder-per-series rule.
    private static func collect(
        _ layout: FileSetLayout, _ root: String, _ summaries: [InstanceSummary]?
    ) throws -> [WebStudy] {
        var studies: [WebStudy] = []
        var studyIndex: [String: Int] = [:]
        var seriesIndex: [String: (study: Int, series: Int)] = [:]
        var seriesCount = 0

        for (index, entry) in layout.entries.enumerated() {
            let components = entry.relativePath.split(separator: "/").map(String.init)
            let studyFolder = components.prefix(2).joined(separator: "/")
            let seriesFolder = components.prefix(3).joined(separator: "/")
            let summary: InstanceSummary
            do {
                if let summaries {
                    summary = summaries[index]
                } else {
                    summary = try readInstanceSummary(root + "/" + entry.relativePath)
                }
            } catch {
                throw MediaCenterError(
                    error.code,
                    "instance \(entry.instance.sopInstanceUID) cannot be read back from "
                        + "\(entry.relativePath) for the disc's web pages",
                    cause: error.message)
            }
            let instance = WebInstance(relativePath: entry.relativePath, summary: summary)

            if studyIndex[studyFolder] == nil {
                studyIndex[studyFolder] = studies.count
                let number = studies.count + 1
                studies.append(
                    WebStudy(pageName: ISO9660Name.make("STU", number) + ".HTM", series: []))
            }
            let study = studyIndex[studyFolder]!
            if let position = seriesIndex[seriesFolder] {
                studies[position.study].series[position.series].instances.append(instance)
            } else {
                seriesCount += 1
                let name = ISO9660Name.make("SER", seriesCount)
                seriesIndex[seriesFolder] = (study, studies[study].series.count)
                studies[study].series.append(
                    WebSeries(
                        pageName: name + ".HTM", previewName: name + ".PNG",
                        instances: [instance]))
            }
        }
        return studies
    }

    /// Renders a middle image of `series`, by Instance Number, into its preview file.
    private func writePreview(_ series: WebSeries, _ root: String) throws -> WebPreview {
        let images = series.instances.enumerated()
            .filter { $0.element.summary.hasPixelData }
            .sorted { left, right in
                let leftNumber = Int(left.element.summary.instanceNumber) ?? Int.max
                let rightNumber = Int(right.element.summary.instanceNumber) ?? Int.max
                return (leftNumber, left.offset) < (rightNumber, right.offset)
            }
            .map(\.element)
        guard !images.isEmpty else { return WebPreview(source: nil, size: nil) }

        let source = images[(images.count - 1) / 2]
        let destination = root + "/" + Self.folder + "/" + series.previewName
        do {
            let size = try renderPreview(
                source: root + "/" + source.relativePath, destination: destination,
                maxDimension: Self.maxPreviewDimension)
            return WebPreview(source: source.relativePath, size: size)
        } catch {
            switch error.code {
            case .unsupported, .parseFailure:
                // The disc stays usable without this preview, and its page states why it has none.
                logger.debug(
                    "no preview for a series",
                    ["fileset.file": source.relativePath, "error": error.message])
                return WebPreview(source: source.relativePath, size: nil)
            default:
                throw MediaCenterError(
                    error.code,
                    "the preview \(destination) cannot be written; check free space and "
                        + "permissions in the work folder",
                    cause: error.message)
            }
        }
    }

    private func writeText(_ text: String, _ path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw MediaCenterError(
                .ioFailure, "\(path) cannot be written; check free space and permissions")
        }
    }
}

/// A study of the web pages.
struct WebStudy {
    /// The study's page in `IHE_PDI`, such as `STU00001.HTM`.
    var pageName: String
    var series: [WebSeries]

    /// The attributes of the study's first instance.
    var summary: InstanceSummary { series[0].instances[0].summary }
    /// The number of instances in all series.
    var instanceCount: Int { series.reduce(0) { $0 + $1.instances.count } }
}

/// A series of the web pages.
struct WebSeries {
    /// The series' page in `IHE_PDI`, such as `SER00001.HTM`.
    var pageName: String
    /// The name of the series' preview in `IHE_PDI`, such as `SER00001.PNG`.
    var previewName: String
    var instances: [WebInstance]
    /// The preview once written; no source means the series has no pixel data.
    var preview = WebPreview(source: nil, size: nil)

    /// The attributes of the series' first instance.
    var summary: InstanceSummary { instances[0].summary }
}

/// An instance of the web pages: its media file and the attributes shown.
struct WebInstance {
    /// The media file's path below the root, such as `DICOM/ST000001/SE000001/IM000001`.
    var relativePath: String
    var summary: InstanceSummary
}

/// The outcome of rendering a series' preview.
struct WebPreview {
    /// The media file rendered, or nil when the series has no instance with pixel data.
    var source: String?
    /// The PNG's width and height in pixels, or nil when no PNG was written.
    var size: (width: Int, height: Int)?
}
