import Foundation
import MediaCenterCore
import MediaHardware
import PatientStore

/// The changer's part of one job: the discs rejected in a row, the limit that stops the
/// job, and whether a disc that passed the blank check waits in the drive.
struct RejectCount {
    var consecutive = 0
    let limit: Int
    /// Whether the drive contains a checked blank that no write has used yet.
    var checkedBlankLoaded = false
}

extension JobEngine {
    /// Loads discs from the changer's input bin until one passes the blank check, and
    /// rejects the others. A checked blank still in the drive is checked again first. A
    /// rewritable disc that contains data is erased first when `blankRewritable` is set.
    /// - Parameters:
    ///   - number: the disc of the set the blank is for, recorded with each reject.
    ///   - imageBytes: the size of the image to write, or nil while the set is planned.
    ///   - profile: the application profile the set was planned as, or nil while it is
    ///     planned.
    /// - Returns: the medium that passed.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the drive stays empty or after
    ///   more than `maxConsecutiveRejects` rejects in a row.
    func loadCheckedBlank(
        from changer: any DiscChanger, number: Int, imageBytes: Int64?,
        profile: ApplicationProfile? = nil, collection id: Int64, rejects: inout RejectCount
    ) throws -> MediaInfo {
        while true {
            if rejects.checkedBlankLoaded {
                rejects.checkedBlankLoaded = false
            } else {
                try changer.loadFromInput(into: drive.name)
            }
            var media = try drive.inspectMedia()
            guard media.status != .empty else {
                throw MediaCenterError(
                    .mediaFailure,
                    "\(changer.name) loaded no disc into \(drive.name); check the changer's "
                        + "input bin and its path to the drive")
            }
            if media.status == .written, media.profile.isRewritable,
                configuration.blankRewritable
            {
                do {
                    try eraseRewritable(media)
                    media = try drive.inspectMedia()
                } catch let error as MediaCenterError where error.code == .mediaFailure {
                    try reject(
                        reason: "the erase failed: \(error.message)", path: nil, number: number,
                        changer: changer, collection: id, rejects: &rejects)
                    continue
                }
            }
            let failure = blankCheckFailure(media, imageBytes: imageBytes, profile: profile)
            guard let reason = failure else {
                return media
            }
            try reject(
                reason: reason, path: nil, number: number, changer: changer, collection: id,
                rejects: &rejects)
        }
    }

    /// Returns why `media` cannot take an image of `imageBytes` as a file-set of `profile`,
    /// or nil when it can.
    func blankCheckFailure(
        _ media: MediaInfo, imageBytes: Int64?, profile: ApplicationProfile? = nil
    ) -> String? {
        switch media.status {
        case .written where media.profile.isRewritable && !configuration.blankRewritable:
            return rewritableNotErasedReason(media)
        case .written where media.profile.isRewritable:
            return "the disc is not blank after its erase: the \(media.profile.rawValue) still "
                + "contains data"
        case .written:
            return "the disc is not blank: it contains data"
        case .unsuitable:
            return "the disc is not writable in \(drive.name) (\(media.profile.rawValue))"
        case .empty, .blank:
            break
        }
        if media.profile == .unknown {
            return "wrong media type: the drive reports an unknown profile"
        }
        if let profile, applicationProfile(for: media) != profile {
            return "wrong media type: \(media.profile.rawValue) takes "
                + "\(applicationProfile(for: media).rawValue), but the set was planned as "
                + "\(profile.rawValue) on the first disc's media"
        }
        if let imageBytes, imageBytes > media.capacityBytes {
            return "wrong media type: \(media.profile.rawValue) of \(media.capacityBytes) "
                + "bytes is too small for the image of \(imageBytes) bytes"
        }
        return nil
    }

    /// Writes one planned disc through the changer. A blank that fails the blank check, the
    /// write or the read-back is rejected and the next blank is tried. This goes on until a
    /// disc is verified and moved to the output bin, or the reject limit is passed.
    /// - Parameter state: the collection's state, `burning` on entry and `verifying` on a
    ///   normal return.
    func burn(
        _ disc: PlannedDisc, folder: String, imageBytes: Int64, with changer: any DiscChanger,
        collection: CollectionRecord, state: inout CollectionState, rejects: inout RejectCount
    ) throws {
        let id = collection.id
        let position = "disc \(disc.number) of \(disc.count)"
        let volume = volumeID(id, disc: disc.number)
        let fields = [
            "job.id": String(id), "drive.name": drive.name, "disc.number": String(disc.number),
        ]

        while true {
            if state == .verifying {
                try store.transition(
                    collection: id, from: .verifying, to: .burning,
                    reason: "writing \(position) again on the next blank")
                state = .burning
            }
            _ = try loadCheckedBlank(
                from: changer, number: disc.number, imageBytes: imageBytes,
                profile: disc.profile, collection: id, rejects: &rejects)

            try checkCancelRequest(id)
            var written: DiscWriteResult
            do {
                written = try drive.write(directory: folder, volumeID: volume)
                written.profile = disc.profile
            } catch let error as MediaCenterError where error.code == .mediaFailure {
                try reject(
                    reason: "the write failed: \(error.message)", path: nil,
                    number: disc.number, changer: changer, collection: id, rejects: &rejects)
                continue
            }
            logger.info(
                "disc written, reading it back",
                fields.merging(["disc.bytes": String(written.bytesWritten)]) { $1 })
            try store.transition(
                collection: id, from: .burning, to: .verifying, reason: "\(position) written")
            state = .verifying

            let verification: DiscVerification
            do {
                verification = try drive.verify(written)
            } catch let error as MediaCenterError where error.code == .mediaFailure {
                try reject(
                    reason: "the read-back failed: \(error.message)", path: written.location,
                    number: disc.number, changer: changer, collection: id, rejects: &rejects)
                continue
            }
            guard verification.matches else {
                try reject(
                    reason: "the read-back differs: MD5 \(verification.md5) instead of "
                        + "\(written.md5)",
                    path: written.location, number: disc.number, changer: changer,
                    collection: id, rejects: &rejects)
                continue
            }

            // The disc is recorded once it is in the output bin. A daemon stopped before
            // that finds it in the drive at the next start, rejects it and writes it again.
            try changer.printLabel(label(for: collection, disc), onDiscIn: drive.name)
            try changer.moveDisc(from: drive.name, to: .output)
            try store.addDisc(
                DiscRecord(
                    number: disc.number, count: disc.count, path: written.location,
                    bytes: written.bytesWritten, md5: written.md5, verified: true,
                    drive: drive.name, profile: disc.profile.rawValue),
                instanceIDs: disc.instances.map(\.id), toCollection: id)
            rejects.consecutive = 0
            logger.info("disc verified and moved to the output bin", fields)
            return
        }
    }

    /// Records a rejected disc, labels it `REJECT` and moves it to the reject bin.
    /// - Throws: `MediaCenterError` with `.mediaFailure` once more than `rejects.limit`
    ///   discs in a row were rejected, so that a bad batch of media does not empty the input
    ///   bin.
    func reject(
        reason: String, path: String?, number: Int, changer: any DiscChanger,
        collection id: Int64, rejects: inout RejectCount
    ) throws {
        try store.addReject(
            RejectRecord(number: number, reason: reason, path: path, drive: drive.name),
            toCollection: id)
        try changer.printLabel(.reject(reason: Self.labelReason(reason)), onDiscIn: drive.name)
        try changer.moveDisc(from: drive.name, to: .reject)
        rejects.consecutive += 1
        logger.warning(
            "disc rejected: \(reason)",
            [
                "job.id": String(id), "drive.name": drive.name, "disc.number": String(number),
                "changer.name": changer.name,
            ])

        guard rejects.consecutive <= rejects.limit else {
            throw MediaCenterError(
                .mediaFailure,
                "\(rejects.consecutive) discs in a row were rejected, the last because "
                    + "\(reason); check the media in the input bin of \(changer.name) and "
                    + "the drive \(drive.name), then retry the job")
        }
    }

    /// Returns the part of a reject reason that goes on the disc's label: the text before
    /// its first colon, such as "the read-back differs", without the paths and digests
    /// that follow, which are for the log and the console.
    static func labelReason(_ reason: String) -> String {
        String(reason.prefix { $0 != ":" })
    }

    /// Makes the label of a verified disc from the store's name and ID and the details
    /// that `labelReader` reads once per disc. A disc whose details cannot be read still
    /// gets a label with the name, the ID and its position in the set, because the disc
    /// itself is verified.
    func label(for collection: CollectionRecord, _ disc: PlannedDisc) -> DiscLabel {
        var details = DiscLabelDetails()
        if let labelReader {
            do {
                details = try labelReader.labelDetails(of: disc.instances)
            } catch {
                logger.warning(
                    "label details cannot be read, the label shows only the patient and the "
                        + "disc number: \(error)",
                    ["job.id": String(collection.id), "disc.number": String(disc.number)])
            }
        }
        return DiscLabelContent(
            patientName: collection.patientName, patientID: collection.patientID,
            details: details, discNumber: disc.number, discCount: disc.count
        ).label()
    }
}
