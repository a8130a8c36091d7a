// Every call this module makes into the C API over DCMTK (CDCMTK) is in this file.
import CDCMTK
import Glibc
import MediaCenterCore

/// Loads the data dictionary and registers the decoders, once per process
/// (`mcd_initialize`). Later calls return at once, whatever path they give.
func initializeDCMTK(dictionaryPath: String) throws {
    var error = mcd_error()
    let status = mcd_initialize(dictionaryPath, &error)
    guard status == Int32(MCD_OK) else {
        throw MediaCenterError(
            .invalidConfiguration,
            "the DICOM library could not be set up; install the dcmtk package",
            cause: "mcd_initialize: \(error.text)")
    }
}

/// Values for `mcd_write_media_file` and `mcd_dicomdir_create`.
struct MediaFileIdentity: Sendable {
    var implementationClassUID: String
    var implementationVersionName: String
    var sourceAETitle: String
}

/// The keys a media file gets where the instance has none.
struct FilledKeys: Sendable {
    var patientID: String
    var studyDate: String
    var studyTime: String
    var studyID: String
    var seriesNumber: String
}

/// A failure of the C API: its MCD_ERROR_* code and message.
struct ShimFailure: Error {
    let status: Int32
    let message: String

    /// The error code of this module that matches the C code.
    var code: MediaCenterError.Code {
        switch status {
        case Int32(MCD_ERROR_INVALID_ARGUMENT): .invalidArgument
        case Int32(MCD_ERROR_IO): .ioFailure
        case Int32(MCD_ERROR_NO_SPACE): .noSpace
        case Int32(MCD_ERROR_PARSE): .parseFailure
        case Int32(MCD_ERROR_UNSUPPORTED): .unsupported
        default: .internalFailure
        }
    }
}

/// Writes the media file for the stored instance at `source` to `destination`, which must
/// not exist, in a transfer syntax that `profile` allows. Reads the attributes the builder
/// needs from the data set as written, without parsing the file again
/// (`mcd_write_media_file_with_dataset`). Safe to call on several threads at once, each
/// with files of its own, once `initializeDCMTK` returned.
func writeMediaFile(
    source: String, destination: String, identity: MediaFileIdentity, keys: FilledKeys,
    profile: ApplicationProfile
) throws(ShimFailure) -> WrittenMediaFile {
    let strings = [
        identity.implementationClassUID, identity.implementationVersionName,
        identity.sourceAETitle, keys.patientID, keys.studyDate, keys.studyTime, keys.studyID,
        keys.seriesNumber,
    ]
    var error = mcd_error()
    var dataset: OpaquePointer?
    let status = withCStrings(strings) { pointers in
        var options = mcd_media_file_options(
            implementation_class_uid: pointers[0], implementation_version_name: pointers[1],
            source_ae_title: pointers[2], patient_id: pointers[3], study_date: pointers[4],
            study_time: pointers[5], study_id: pointers[6], series_number: pointers[7],
            profile: profile.shimProfile)
        return mcd_write_media_file_with_dataset(source, destination, &options, &dataset, &error)
    }
    guard status == Int32(MCD_OK), let dataset else {
        throw ShimFailure(status: status, message: error.text)
    }
    defer { mcd_dataset_free(dataset) }
    return WrittenMediaFile(keys: instanceKeys(of: dataset), summary: instanceSummary(of: dataset))
}

/// The attributes the builder reads from a media file it wrote.
struct WrittenMediaFile: Sendable {
    var keys: InstanceKeys
    var summary: InstanceSummary
}

/// The values that tie a written file to its place in the file-set.
struct InstanceKeys: Equatable, Sendable {
    var sopInstanceUID: String
    var studyInstanceUID: String
    var seriesInstanceUID: String
    /// Patient ID (0010,0020) as stored, without padding.
    var patientID = ""
    /// Patient's Name (0010,0010) as stored (in the file's character set), without padding.
    var patientName = ""
}

/// Reads the SOP, Study and Series Instance UIDs, Patient ID and Patient's Name of the file
/// at `path`, leaving large values such as pixel data unread (`mcd_dataset_open`,
/// `mcd_dataset_get_string`).
func readInstanceKeys(_ path: String) throws(ShimFailure) -> InstanceKeys {
    var error = mcd_error()
    guard let dataset = mcd_dataset_open(path, 1024, &error) else {
        throw ShimFailure(status: error.code, message: error.text)
    }
    defer { mcd_dataset_free(dataset) }
    return instanceKeys(of: dataset)
}

/// Reads `InstanceKeys` from an open data set (`mcd_dataset_get_string`).
private func instanceKeys(of dataset: OpaquePointer) -> InstanceKeys {
    func string(_ group: UInt16, _ element: UInt16) -> String {
        // 1024 bytes fit any UI, LO or PN value (PN: at most 3 groups of 64 characters
        // each, in up to 4 bytes per character).
        var buffer = [CChar](repeating: 0, count: 1024)
        let length = mcd_dataset_get_string(dataset, group, element, &buffer, buffer.count)
        guard length >= 0 else { return "" }
        return String(
            decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return InstanceKeys(
        sopInstanceUID: string(0x0008, 0x0018),
        studyInstanceUID: string(0x0020, 0x000D),
        seriesInstanceUID: string(0x0020, 0x000E),
        patientID: string(0x0010, 0x0020),
        patientName: string(0x0010, 0x0010))
}

/// A DICOMDIR being built for one General Purpose profile, owning its `mcd_dicomdir`
/// handle.
final class DicomDirWriter {
    private let handle: OpaquePointer

    /// Starts the DICOMDIR of the file-set at `root` (`mcd_dicomdir_create`).
    init(
        root: String, fileSetID: String, identity: MediaFileIdentity, sopInstanceUID: String,
        consistencyFlag: UInt16, profile: ApplicationProfile
    ) throws(ShimFailure) {
        let strings = [
            identity.implementationClassUID, identity.implementationVersionName,
            identity.sourceAETitle, sopInstanceUID,
        ]
        var error = mcd_error()
        let created = withCStrings(strings) { pointers in
            var options = mcd_dicomdir_options(
                implementation_class_uid: pointers[0], implementation_version_name: pointers[1],
                source_ae_title: pointers[2], sop_instance_uid: pointers[3],
                consistency_flag: consistencyFlag, profile: profile.shimProfile)
            return mcd_dicomdir_create(root, fileSetID, &options, &error)
        }
        guard let created else { throw ShimFailure(status: error.code, message: error.text) }
        handle = created
    }

    deinit {
        mcd_dicomdir_free(handle)
    }

    /// Adds the media file at `relativePath` below the root (`mcd_dicomdir_add`).
    func add(_ relativePath: String) throws(ShimFailure) {
        var error = mcd_error()
        let status = mcd_dicomdir_add(handle, relativePath, &error)
        guard status == Int32(MCD_OK) else {
            throw ShimFailure(status: status, message: error.text)
        }
    }

    /// Writes DICOMDIR at the root (`mcd_dicomdir_write`).
    func write() throws(ShimFailure) {
        var error = mcd_error()
        let status = mcd_dicomdir_write(handle, &error)
        guard status == Int32(MCD_OK) else {
            throw ShimFailure(status: status, message: error.text)
        }
    }
}

/// The attributes of a media file that the disc's web pages show. Text values are decoded
/// from the file's Specific Character Set to UTF-8 and have no padding.
struct InstanceSummary: Sendable {
    var patientName = ""
    var patientID = ""
    var patientBirthDate = ""
    var patientSex = ""
    var studyDate = ""
    var studyTime = ""
    var studyDescription = ""
    var studyID = ""
    var accessionNumber = ""
    var modality = ""
    var seriesNumber = ""
    var seriesDescription = ""
    var instanceNumber = ""
    var sopClassUID = ""
    /// Number of Frames (0028,0008), or "" for a single frame.
    var numberOfFrames = ""
    /// Whether the data set contains Pixel Data, Float Pixel Data or Double Float Pixel Data.
    var hasPixelData = false
}

/// Reads the attributes of `InstanceSummary` from the media file at `path`, leaving large
/// values such as pixel data unread (`mcd_dataset_open`, `mcd_dataset_get_string_utf8`,
/// `mcd_dataset_has_element`).
func readInstanceSummary(_ path: String) throws(ShimFailure) -> InstanceSummary {
    var error = mcd_error()
    guard let dataset = mcd_dataset_open(path, 1024, &error) else {
        throw ShimFailure(status: error.code, message: error.text)
    }
    defer { mcd_dataset_free(dataset) }
    return instanceSummary(of: dataset)
}

/// Reads `InstanceSummary` from an open data set (`mcd_dataset_get_string_utf8`,
/// `mcd_dataset_has_element`).
private func instanceSummary(of dataset: OpaquePointer) -> InstanceSummary {
    func text(_ group: UInt16, _ element: UInt16) -> String {
        // 4096 bytes fit any LO, PN or SH value after decoding, at up to 4 bytes per
        // character. The shim cuts a longer value, which is then shown cut.
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = mcd_dataset_get_string_utf8(dataset, group, element, &buffer, buffer.count)
        guard length != -1 else { return "" }
        let count = length >= 0 ? Int(length) : buffer.firstIndex(of: 0) ?? buffer.count
        return String(
            decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    let pixelTags: [(UInt16, UInt16)] = [(0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009)]
    return InstanceSummary(
        patientName: text(0x0010, 0x0010),
        patientID: text(0x0010, 0x0020),
        patientBirthDate: text(0x0010, 0x0030),
        patientSex: text(0x0010, 0x0040),
        studyDate: text(0x0008, 0x0020),
        studyTime: text(0x0008, 0x0030),
        studyDescription: text(0x0008, 0x1030),
        studyID: text(0x0020, 0x0010),
        accessionNumber: text(0x0008, 0x0050),
        modality: text(0x0008, 0x0060),
        seriesNumber: text(0x0020, 0x0011),
        seriesDescription: text(0x0008, 0x103E),
        instanceNumber: text(0x0020, 0x0013),
        sopClassUID: text(0x0008, 0x0016),
        numberOfFrames: text(0x0028, 0x0008),
        hasPixelData: pixelTags.contains { mcd_dataset_has_element(dataset, $0.0, $0.1) == 1 })
}

/// Renders the middle frame of the media file at `source` as a PNG at `destination`, which
/// must not exist, no side larger than `maxDimension` (`mcd_write_preview`).
/// - Returns: the width and height of the PNG in pixels.
func renderPreview(
    source: String, destination: String, maxDimension: UInt32
) throws(ShimFailure) -> (width: Int, height: Int) {
    var error = mcd_error()
    var size = mcd_preview_size()
    let status = mcd_write_preview(source, destination, maxDimension, &size, &error)
    guard status == Int32(MCD_OK) else {
        throw ShimFailure(status: status, message: error.text)
    }
    return (Int(size.width), Int(size.height))
}

extension DicomDirListing {
    /// Reads the DICOMDIR at `path` as it is in the file, offsets unresolved
    /// (`mcd_dicomdir_read` and the `mcd_dicomdir_listing_*` functions).
    /// - Throws: `MediaCenterError` when the file cannot be read or parsed.
    public static func read(_ path: String) throws -> DicomDirListing {
        var error = mcd_error()
        guard let listing = mcd_dicomdir_read(path, &error) else {
            let failure = ShimFailure(status: error.code, message: error.text)
            throw MediaCenterError(
                failure.code, "the DICOMDIR \(path) cannot be read back",
                cause: failure.message)
        }
        defer { mcd_dicomdir_listing_free(listing) }

        var header = mcd_dicomdir_header()
        mcd_dicomdir_listing_header(listing, &header)
        var records: [DicomDirRecord] = []
        for index in 0..<mcd_dicomdir_listing_count(listing) {
            var record = mcd_dicomdir_record()
            guard mcd_dicomdir_listing_record(listing, index, &record) == Int32(MCD_OK) else {
                continue
            }
            records.append(
                DicomDirRecord(
                    offset: record.offset,
                    nextOffset: record.next_offset,
                    lowerOffset: record.lower_offset,
                    recordType: String(cString: record.record_type),
                    referencedFileID: String(cString: record.referenced_file_id),
                    referencedSOPClassUID: String(cString: record.referenced_sop_class_uid),
                    referencedSOPInstanceUID: String(cString: record.referenced_sop_instance_uid),
                    referencedTransferSyntaxUID: String(
                        cString: record.referenced_transfer_syntax_uid)))
        }
        return DicomDirListing(
            transferSyntaxUID: String(cString: header.transfer_syntax_uid),
            fileSetID: String(cString: header.fileset_id),
            firstRootOffset: header.first_root_offset,
            lastRootOffset: header.last_root_offset,
            consistencyFlag: header.consistency_flag,
            records: records)
    }
}

extension ApplicationProfile {
    /// The C API's value for the profile.
    var shimProfile: mcd_profile {
        switch self {
        case .generalPurposeCD: MCD_PROFILE_GENERAL_CD
        case .generalPurposeDVDJPEG: MCD_PROFILE_GENERAL_DVD_JPEG
        case .generalPurposeBDJPEG: MCD_PROFILE_GENERAL_BD_JPEG
        }
    }
}

extension mcd_error {
    /// The message, up to its terminating NUL.
    var text: String {
        withUnsafeBytes(of: message) { bytes in
            let characters = bytes.prefix { $0 != 0 }
            return String(decoding: characters, as: UTF8.self)
        }
    }
}

/// Calls `body` with NUL-terminated copies of `strings` that live until it returns.
private func withCStrings<Result>(
    _ strings: [String], _ body: ([UnsafePointer<CChar>]) -> Result
) -> Result {
    let copies = strings.map { strdup($0)! }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
