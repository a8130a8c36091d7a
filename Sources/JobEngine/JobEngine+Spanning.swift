import Foundation
import MediaCenterCore
import PatientStore

/// One disc of a job's plan.
struct PlannedDisc {
    /// Position of this disc in the set, from 1.
    var number: Int
    /// Discs in the set.
    var count: Int
    var instances: [StoredInstance]
    /// The file-set folder when it is built already, as for a collection on one disc.
    var folder: String?
    /// The application profile of the whole set, which every blank it is written to must
    /// take.
    var profile: ApplicationProfile
}

extension JobEngine {
    /// Bytes added to the measured overhead of each disc of a set. The README.TXT of a disc
    /// in a set of several has more lines than the one measured, so it may take one more
    /// sector. 16 sectors leave room for that and for rounding in the directories.
    static let spanMarginBytes: Int64 = 16 * 2048

    /// Plans the discs of a collection on media of `capacityBytes`, as file-sets of
    /// `profile`.
    ///
    /// The file-set of the whole collection is built first. When its image fits, it is the
    /// one disc. Otherwise the media file sizes it measured and its overhead (the image
    /// size less the sector-rounded media files) plan the split, and each disc's file-set
    /// is built when that disc is written.
    /// - Throws: `MediaCenterError` when the file-set cannot be built, or `.mediaFailure`
    ///   naming an instance that alone is larger than a disc.
    func planDiscs(
        _ collection: CollectionRecord, _ instances: [StoredInstance], capacityBytes: Int64,
        profile: ApplicationProfile, staging: String
    ) throws -> [PlannedDisc] {
        let whole = staging + "/whole"
        try FileManager.default.createDirectory(atPath: whole, withIntermediateDirectories: true)
        let plan = DiscPlan(
            collection: collection, instances: instances, discNumber: 1, discCount: 1,
            profile: profile)
        let sizes = try fileSets.makeFileSet(plan, into: whole)
        guard sizes.count == instances.count else {
            throw MediaCenterError(
                .internalFailure,
                "the file-set maker returned \(sizes.count) file sizes for "
                    + "\(instances.count) instances; report a bug with this message")
        }

        let imageBytes = try drive.imageByteCount(
            directory: whole, volumeID: volumeID(collection.id, disc: 1))
        if imageBytes <= capacityBytes {
            return [
                PlannedDisc(
                    number: 1, count: 1, instances: instances, folder: whole, profile: profile)
            ]
        }
        try? FileManager.default.removeItem(atPath: whole)

        let fileBytes = sizes.reduce(Int64(0)) { $0 + SpanPlanner.sectorRounded($1) }
        let planner = SpanPlanner(
            capacityBytes: capacityBytes,
            overheadBytes: max(0, imageBytes - fileBytes) + Self.spanMarginBytes)
        let items = zip(instances, sizes).map { instance, bytes in
            SpanItem(
                sopInstanceUID: instance.sopInstanceUID,
                studyInstanceUID: instance.studyInstanceUID,
                seriesInstanceUID: instance.seriesInstanceUID, fileBytes: bytes)
        }
        let groups = try planner.plan(items)
        logger.info(
            "collection spans \(groups.count) discs",
            [
                "job.id": String(collection.id), "image.bytes": String(imageBytes),
                "disc.capacity": String(capacityBytes),
            ])
        return groups.enumerated().map { offset, indices in
            PlannedDisc(
                number: offset + 1, count: groups.count, instances: indices.map { instances[$0] },
                folder: nil, profile: profile)
        }
    }

    /// Builds the file-set of one disc of a set into a new folder under `staging`.
    /// - Returns: the folder.
    func buildFileSet(
        _ disc: PlannedDisc, of collection: CollectionRecord, staging: String
    ) throws -> String {
        let folder = staging + "/disc\(disc.number)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let plan = DiscPlan(
            collection: collection, instances: disc.instances, discNumber: disc.number,
            discCount: disc.count, profile: disc.profile)
        _ = try fileSets.makeFileSet(plan, into: folder)
        return folder
    }
}
