import MediaCenterCore

/// An instance as the span planner uses it: its study and series, and the size of its
/// media file.
public struct SpanItem: Sendable, Equatable {
    /// SOP Instance UID (0008,0018), for the error that names an oversized instance.
    public var sopInstanceUID: String
    /// Study Instance UID (0020,000D).
    public var studyInstanceUID: String
    /// Series Instance UID (0020,000E).
    public var seriesInstanceUID: String
    /// The media file's size in bytes, as the File-set Creator wrote it.
    public var fileBytes: Int64

    /// Makes an item.
    public init(
        sopInstanceUID: String, studyInstanceUID: String, seriesInstanceUID: String,
        fileBytes: Int64
    ) {
        self.sopInstanceUID = sopInstanceUID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.fileBytes = fileBytes
    }
}

/// Splits one patient's instances over discs in one greedy pass in study, series and
/// instance order, keeping each series on one disc when it fits on an empty one.
///
/// Every file takes whole 2048-byte ISO 9660 sectors. The fixed part of each disc (volume
/// descriptors, path tables, directories, DICOMDIR, README.TXT) is `overheadBytes`, which
/// the caller measures on the image of the whole collection. A disc that contains a subset
/// of the instances has no more folders, directory records or DICOMDIR records than that.
public struct SpanPlanner: Sendable {
    /// The ISO 9660 logical block size, which every file on a disc is rounded up to.
    public static let sectorBytes: Int64 = 2048

    /// The bytes a blank disc takes.
    public var capacityBytes: Int64
    /// The bytes each disc needs besides the media files.
    public var overheadBytes: Int64

    /// Makes a planner for discs of `capacityBytes`, each with `overheadBytes` that are not
    /// media files.
    public init(capacityBytes: Int64, overheadBytes: Int64) {
        self.capacityBytes = capacityBytes
        self.overheadBytes = overheadBytes
    }

    /// Rounds `fileBytes` up to whole sectors, the space a file takes on a disc.
    public static func sectorRounded(_ fileBytes: Int64) -> Int64 {
        (fileBytes + sectorBytes - 1) / sectorBytes * sectorBytes
    }

    /// Splits `items` into discs.
    /// - Returns: for each disc, the indices into `items` of its instances, in study,
    ///   series and instance order. Studies and series keep the order in which they first
    ///   appear in `items`, and the instances of a series keep their order in `items`.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when one instance alone does not
    ///   fit on a disc, naming the instance, its size and the capacity.
    public func plan(_ items: [SpanItem]) throws -> [[Int]] {
        let room = capacityBytes - overheadBytes
        guard room > 0 else {
            // Nothing fits: the content every disc repeats is the problem, not an instance.
            throw MediaCenterError(
                .mediaFailure,
                "the content that every disc of the set repeats takes \(overheadBytes) bytes "
                    + "(directories, DICOMDIR, README.TXT, the web pages and previews of the "
                    + "whole patient, and the viewer_folder copy), which leaves "
                    + "\(max(room, 0)) bytes of a \(capacityBytes)-byte disc for images; load "
                    + "larger media, or make viewer_folder smaller")
        }
        for item in items where Self.sectorRounded(item.fileBytes) > room {
            throw MediaCenterError(
                .mediaFailure,
                "instance \(item.sopInstanceUID) is \(item.fileBytes) bytes as a media file, "
                    + "but a disc with a capacity of \(capacityBytes) bytes has room for "
                    + "\(room) bytes of images besides the \(overheadBytes) bytes that every "
                    + "disc of the set repeats (directories, DICOMDIR, web pages, previews, "
                    + "viewer); load larger media")
        }

        var discs: [[Int]] = []
        var current: [Int] = []
        var used: Int64 = 0
        for series in Self.seriesInOrder(items) {
            let bytes = series.reduce(Int64(0)) { $0 + Self.sectorRounded(items[$1].fileBytes) }
            if used + bytes <= room {
                current += series
                used += bytes
                continue
            }
            if bytes <= room {
                // The series fits on an empty disc, so it starts one rather than being split.
                discs.append(current)
                current = series
                used = bytes
                continue
            }
            // A series larger than a disc fills the current disc and continues on the next.
            for index in series {
                let itemBytes = Self.sectorRounded(items[index].fileBytes)
                if used + itemBytes > room {
                    discs.append(current)
                    current = []
                    used = 0
                }
                current.append(index)
                used += itemBytes
            }
        }
        if !current.isEmpty { discs.append(current) }
        return discs.filter { !$0.isEmpty }
    }

    /// Groups the indices of `items` by series, series grouped by study, each in the order
    /// of first appearance.
    static func seriesInOrder(_ items: [SpanItem]) -> [[Int]] {
        var studyOrder: [String] = []
        var seriesOrder: [String: [String]] = [:]
        var members: [String: [Int]] = [:]
        for (index, item) in items.enumerated() {
            let study = item.studyInstanceUID
            // Keyed by study and series, as the file-set layout keys its folders.
            let series = study + "|" + item.seriesInstanceUID
            if seriesOrder[study] == nil {
                studyOrder.append(study)
                seriesOrder[study] = []
            }
            if members[series] == nil {
                seriesOrder[study]!.append(series)
                members[series] = []
            }
            members[series]!.append(index)
        }
        return studyOrder.flatMap { study in seriesOrder[study]!.map { members[$0]! } }
    }
}
