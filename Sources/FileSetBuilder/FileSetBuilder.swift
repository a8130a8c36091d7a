import Foundation
import MediaCenterCore

private let logger = Logger(label: "fileset")

/// The File-set Creator of the Media AE: turns one disc's worth of stored instances into a
/// file-set folder of the plan's General Purpose profile (STD-GEN-CD, STD-GEN-DVD-JPEG or
/// STD-GEN-BD-JPEG), ready to be made into a disc image.
///
/// The folder gets `DICOMDIR` and `README.TXT` at its root and one PS3.10 file per instance
/// at `DICOM/STnnnnnn/SEnnnnnn/IMnnnnnn` with this product's File Meta Information. Media
/// files are in Explicit VR Little Endian, except that the JPEG profiles keep an instance
/// received as JPEG Lossless SV1 in that transfer syntax. `INDEX.HTM` and the `IHE_PDI`
/// folder (`WebContent`) show the patient's studies in a web browser, and a configured
/// viewer program goes to `VIEWER` (`ViewerPayload`). Pixel data are decompressed
/// losslessly where the profile needs it. Instances
/// that lack a DICOMDIR key get the values of `GeneratedKeys` and the plan. The finished
/// file-set is read back and checked before `build` returns.
public struct FileSetBuilder: Sendable {
    /// The File-set Consistency Flag of every DICOMDIR this builder writes.
    public var consistencyFlag: FileSetConsistencyFlag
    /// The DCMTK data dictionary, loaded on the first build of the process.
    public var dictionaryPath: String
    /// The viewer program copied to every file-set, or nil for none.
    public var viewer: ViewerPayload?

    /// The maximum number of threads that write media files at once. Each keeps one
    /// instance in memory.
    static let mediaFileThreads = 2

    /// The DCMTK data dictionary of the Debian package.
    public static let defaultDictionaryPath = "/usr/share/libdcmtk17/dicom.dic"

    /// Makes a builder.
    public init(
        consistencyFlag: FileSetConsistencyFlag = .noKnownInconsistencies,
        dictionaryPath: String = defaultDictionaryPath, viewer: ViewerPayload? = nil
    ) {
        self.consistencyFlag = consistencyFlag
        self.dictionaryPath = dictionaryPath
        self.viewer = viewer
    }

    /// Builds the file-set of `plan` in `directory`, which must be empty or not exist yet.
    /// Blocks for as long as the files take to decode and write, so call it from a
    /// dedicated thread (`buildOnDedicatedThread` does that).
    /// - Returns: the files written and their sizes.
    /// - Throws: `MediaCenterError` naming the instance (by SOP Instance UID) and the fix.
    ///   What this call wrote into `directory` is removed again.
    public func build(_ plan: FileSetPlan, into directory: String) throws -> FileSetResult {
        try plan.validate()
        try initializeDCMTK(dictionaryPath: dictionaryPath)
        let root = try prepareRoot(directory)
        logger.debug(
            "building file-set",
            ["fileset.root": root.path, "fileset.instances": "\(plan.instances.count)"])

        do {
            let layout = FileSetLayout(plan.instances)
            let dicomdir = try startDicomDir(plan, root.path)
            let summaries = try writeMediaFiles(plan, layout, root.path, listingIn: dicomdir)
            logger.debug("media files written and listed", ["fileset.root": root.path])
            try writeDicomDir(dicomdir, root.path)
            logger.debug("DICOMDIR written", ["fileset.root": root.path])
            try writeReadme(plan, layout, root.path)
            let webFiles = try WebContent(
                plan: plan, layout: layout, root: root.path, summaries: summaries
            ).write(into: root.path)
            let viewerFiles = try viewer?.copy(into: root.path) ?? []
            logger.debug("web pages and viewer written", ["fileset.root": root.path])

            let realRoot = URL(fileURLWithPath: root.path).resolvingSymlinksInPath().path
            let validator = FileSetValidator(
                root: realRoot, layout: layout, fileSetID: plan.fileSetID,
                consistencyFlag: consistencyFlag.rawValue, profile: plan.profile,
                webFiles: webFiles, viewerFiles: viewerFiles)
            try validator.validate(DicomDirListing.read(root.path + "/" + dicomdirName))

            let result = try makeResult(layout, root.path, webFiles + viewerFiles)
            logger.debug(
                "file-set built and checked",
                ["fileset.root": root.path, "fileset.bytes": "\(result.totalBytes)"])
            return result
        } catch {
            removeOutput(root)
            throw error
        }
    }

    /// Runs `build(_:into:)` on a thread of its own, off Swift's cooperative pool.
    /// NOTE: cancelling the calling task does not stop a build that has started.
    public func buildOnDedicatedThread(
        _ plan: FileSetPlan, into directory: String
    ) async throws -> FileSetResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try self.build(plan, into: directory) })
            }
            thread.name = "fileset-builder"
            thread.start()
        }
    }

    private func identity(_ plan: FileSetPlan) -> MediaFileIdentity {
        MediaFileIdentity(
            implementationClassUID: ImplementationIdentity.classUID,
            implementationVersionName: ImplementationIdentity.versionName,
            sourceAETitle: plan.sourceAETitle)
    }

    /// Writes the media files on one thread per core (at most `mediaFileThreads`) while
    /// the calling thread checks each file in layout order and adds it to `dicomdir`. A
    /// failure names the same instance as a build on one thread would: the first media file
    /// that fails to be written or checked, else the first that the DICOMDIR rejects.
    /// - Returns: the attributes of each written file, in the order of `layout.entries`.
    private func writeMediaFiles(
        _ plan: FileSetPlan, _ layout: FileSetLayout, _ root: String,
        listingIn dicomdir: DicomDirWriter
    ) throws -> [InstanceSummary] {
        for folder in layout.folders {
            try createFolder(root + "/" + folder)
        }
        let keys = FilledKeys(
            patientID: plan.patientID ?? "",
            studyDate: GeneratedKeys.studyDate(plan.createdAt, in: plan.timeZone),
            studyTime: GeneratedKeys.studyTime(plan.createdAt, in: plan.timeZone),
            studyID: GeneratedKeys.studyID,
            seriesNumber: GeneratedKeys.seriesNumber)
        let fileIdentity = identity(plan)
        let entries = layout.entries

        // The first instance written for each Patient ID, with its Patient's Name.
        var patients: [String: InstanceKeys] = [:]
        var summaries: [InstanceSummary] = []
        summaries.reserveCapacity(entries.count)
        // A media file that fails later outranks a DICOMDIR rejection, because a build on
        // one thread wrote and checked every media file before it listed any.
        var dicomdirError: MediaCenterError?

        let loop = ConcurrentLoop(
            threadCount: ConcurrentLoop.coreCount(limit: Self.mediaFileThreads),
            threadName: "fileset-media")
        try loop.runInOrder(count: entries.count) { index in
            let entry = entries[index]
            do throws(ShimFailure) {
                return .success(
                    try writeMediaFile(
                        source: entry.instance.sourcePath,
                        destination: root + "/" + entry.relativePath, identity: fileIdentity,
                        keys: keys, profile: plan.profile))
            } catch {
                return .failure(mediaFileError(error, entry.instance, plan.profile))
            }
        } consume: { index, result in
            let entry = entries[index]
            guard let result else {
                throw MediaCenterError(
                    .internalFailure,
                    "instance \(entry.instance.sopInstanceUID) was never written; report a bug "
                        + "with this message")
            }
            let written = try result.get()
            try checkKeys(written.keys, of: entry)
            try checkSamePatient(written.keys, &patients)
            summaries.append(written.summary)
            if dicomdirError == nil {
                dicomdirError = listingError(dicomdir, entry, plan.profile)
            }
        }

        if let dicomdirError { throw dicomdirError }
        return summaries
    }

    /// Checks that the file written for `entry` contains the UIDs the store's index gave,
    /// since the folders and the result are built from those. `written` comes from the data
    /// set as it was written to the file.
    private func checkKeys(_ written: InstanceKeys, of entry: FileSetLayout.Entry) throws {
        let instance = entry.instance
        guard written.sopInstanceUID == instance.sopInstanceUID,
            written.studyInstanceUID == instance.studyInstanceUID,
            written.seriesInstanceUID == instance.seriesInstanceUID
        else {
            throw MediaCenterError(
                .invalidArgument,
                "instance \(instance.sopInstanceUID): the stored file \(instance.sourcePath) "
                    + "contains SOP Instance UID \(written.sopInstanceUID), Study Instance UID "
                    + "\(written.studyInstanceUID) and Series Instance UID "
                    + "\(written.seriesInstanceUID), which differ from the patient store's "
                    + "index; rebuild the index from the stored files")
        }
    }

    /// Checks that instances with the same Patient ID have the same Patient's Name, because
    /// the DICOMDIR gives them one PATIENT record with the first name. Such a mix comes
    /// from a store that grouped two patients together or a Patient ID filled into
    /// instances of different patients. The message leaves out the names and IDs, which
    /// are patient data.
    private func checkSamePatient(
        _ written: InstanceKeys, _ patients: inout [String: InstanceKeys]
    ) throws {
        guard let first = patients[written.patientID] else {
            patients[written.patientID] = written
            return
        }
        guard normalizedName(first.patientName) == normalizedName(written.patientName) else {
            throw MediaCenterError(
                .invalidArgument,
                "instances \(first.sopInstanceUID) and \(written.sopInstanceUID) have the "
                    + "same Patient ID but different Patient's Names, and a disc holds one "
                    + "patient; check how the patient store grouped them and how the Patient "
                    + "ID to fill in was chosen")
        }
    }

    private func startDicomDir(_ plan: FileSetPlan, _ root: String) throws -> DicomDirWriter {
        do {
            return try DicomDirWriter(
                root: root, fileSetID: plan.fileSetID, identity: identity(plan),
                sopInstanceUID: makeUUIDDerivedUID(), consistencyFlag: consistencyFlag.rawValue,
                profile: plan.profile)
        } catch {
            throw MediaCenterError(
                error.code, "the DICOMDIR of \(root) cannot be started", cause: error.message)
        }
    }

    /// Adds the media file of `entry` to `dicomdir`, and returns the error when the
    /// DICOMDIR rejects it.
    private func listingError(
        _ dicomdir: DicomDirWriter, _ entry: FileSetLayout.Entry, _ profile: ApplicationProfile
    ) -> MediaCenterError? {
        do {
            try dicomdir.add(entry.relativePath)
            return nil
        } catch {
            return MediaCenterError(
                error.code,
                "instance \(entry.instance.sopInstanceUID) cannot be listed in the DICOMDIR "
                    + "of a \(profile.rawValue) disc, because it does not meet that profile "
                    + "(the cause names the missing attribute or the SOP class); correct the "
                    + "instance at its source and send it again, or leave it off the disc",
                cause: error.message)
        }
    }

    private func writeDicomDir(_ dicomdir: DicomDirWriter, _ root: String) throws {
        do {
            try dicomdir.write()
        } catch {
            throw MediaCenterError(
                error.code, "the DICOMDIR of \(root) cannot be written; check free space",
                cause: error.message)
        }
    }

    private func writeReadme(_ plan: FileSetPlan, _ layout: FileSetLayout, _ root: String) throws {
        let path = root + "/" + readmeName
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(ReadmeText.make(plan, layout).utf8))
        else {
            throw MediaCenterError(
                .ioFailure, "\(path) cannot be written; check free space and permissions")
        }
    }

    private func makeResult(
        _ layout: FileSetLayout, _ root: String, _ otherFiles: [String]
    ) throws -> FileSetResult {
        var files: [FileSetFile] = []
        for entry in layout.entries {
            files.append(
                FileSetFile(
                    sopInstanceUID: entry.instance.sopInstanceUID,
                    relativePath: entry.relativePath,
                    byteCount: try fileSize(root + "/" + entry.relativePath)))
        }
        var total = files.reduce(Int64(0)) { $0 + $1.byteCount }
        for name in [dicomdirName, readmeName] + otherFiles {
            total += try fileSize(root + "/" + name)
        }
        return FileSetResult(
            root: root, files: files, studyCount: layout.studyCount,
            seriesCount: layout.seriesCount, totalBytes: total)
    }
}

/// The root folder of a build, and whether the build created it.
private struct BuildRoot {
    var path: String
    var created: Bool
}

/// Makes `directory` absolute and checks that it is empty, or creates it.
private func prepareRoot(_ directory: String) throws -> BuildRoot {
    let path = URL(fileURLWithPath: directory).standardizedFileURL.path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        try createFolder(path)
        return BuildRoot(path: path, created: true)
    }
    let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]
    guard isDirectory.boolValue, contents.isEmpty else {
        throw MediaCenterError(
            .invalidArgument,
            "\(path) is not an empty folder; give a new or empty folder for the file-set")
    }
    return BuildRoot(path: path, created: false)
}

/// Returns `name` without trailing empty components, so that `DOE^JOHN^^` matches
/// `DOE^JOHN`.
private func normalizedName(_ name: String) -> String {
    var characters = Substring(name)
    while let last = characters.last, last == "^" || last == " " {
        characters = characters.dropLast()
    }
    return String(characters)
}

/// Removes what a failed build wrote: the whole root when the build created it, else the
/// entries a build makes inside it (DCMTK writes the DICOMDIR to DICOMDIR.tmp first and
/// keeps the previous one as DICOMDIR.$$$ while it replaces it, and the shim rewrites it
/// through DICOMDIR.TMP).
private func removeOutput(_ root: BuildRoot) {
    let names = [
        FileSetLayout.imageFolder, dicomdirName, readmeName, WebContent.indexName,
        WebContent.folder, ViewerPayload.discFolder, ViewerPayload.autorunName,
        dicomdirName + ".tmp",
        dicomdirName + ".$$$", dicomdirName + ".TMP",
    ]
    let paths = root.created ? [root.path] : names.map { root.path + "/" + $0 }
    for path in paths {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func createFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw MediaCenterError(
            .ioFailure, "the folder \(path) cannot be created; check free space and permissions",
            cause: "\(error)")
    }
}

private func fileSize(_ path: String) throws -> Int64 {
    do {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    } catch {
        throw MediaCenterError(.ioFailure, "the size of \(path) cannot be read", cause: "\(error)")
    }
}

/// Makes the error for an instance whose media file could not be written, with the fix.
private func mediaFileError(
    _ failure: ShimFailure, _ instance: FileSetInstance, _ profile: ApplicationProfile
) -> MediaCenterError {
    let uid = instance.sopInstanceUID
    let message: String
    switch failure.code {
    case .unsupported:
        message =
            "instance \(uid) cannot go on a \(profile.rawValue) disc in the transfer syntax "
            + "it was stored in; have the sender send it uncompressed or lossless, or leave it "
            + "off the disc"
    case .parseFailure:
        message =
            "instance \(uid) cannot be read from \(instance.sourcePath); the stored file is "
            + "damaged or no DICOM file, so delete it and have it sent again"
    case .noSpace:
        message =
            "instance \(uid) cannot be written because no space is left in the work folder; "
            + "free space there and build the disc again"
    case .ioFailure:
        message =
            "instance \(uid) cannot be copied from \(instance.sourcePath); check that the "
            + "stored file is readable and the work folder writable"
    default:
        message = "instance \(uid) cannot be written; report a bug with this message"
    }
    return MediaCenterError(failure.code, message, cause: failure.message)
}
