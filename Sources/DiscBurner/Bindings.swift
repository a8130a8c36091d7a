// Every call of this module into libburn, libisofs, the CBurnSupport helpers and the few
// POSIX calls for durable files. Each C object has one owner class here, created in its
// init and freed in its deinit. The types elsewhere in the module keep those owners.
import CBurnSupport
import Glibc
import MediaCenterCore
import MediaHardware
import Synchronization

// MARK: - Library set-up and messages

/// A message that libburn or libisofs queued: they share one queue in this process.
struct LibraryMessage: Sendable, CustomStringConvertible {
    /// A libburn severity name, such as `SORRY` or `FAILURE`.
    var severity: String
    var text: String
    /// The libdax error code that libburn or libisofs gave the message.
    var code: Int32
    /// The errno that came with the message, or 0.
    var osErrno: Int32

    /// Whether the message reports a failed operation rather than a warning or a note.
    var isError: Bool {
        ["SORRY", "MISHAP", "FAILURE", "FATAL", "ABORT"].contains(severity)
    }

    /// Whether libburn, not libisofs, queued the message: libburn's codes are 0x00020000
    /// to 0x0002ffff, as libburn's libdax_msgs.h lists them.
    var isFromLibburn: Bool {
        UInt32(bitPattern: code) & 0xffff_0000 == 0x0002_0000
    }

    var description: String {
        guard osErrno != 0 else { return "\(severity): \(text)" }
        return "\(severity): \(text) (\(String(cString: strerror(osErrno))))"
    }
}

/// The process-wide set-up of libburn and libisofs, and the lock that serializes calls
/// into libburn.
///
/// libburn keeps its drives, its list of worker threads and its message queue in process
/// globals that are not guarded against concurrent callers, so every libburn call of this
/// module runs with ``BurnLibraries``' lock held. Long operations do not hold it: a write
/// runs on libburn's own thread while the caller polls, and read-back takes the lock per
/// chunk.
public enum BurnLibraries {
    private static let logger = Logger(label: "DiscBurner")

    /// Whether both libraries are initialized. The lock that guards it is the libburn lock.
    private static let initialized = Mutex(false)

    /// Initializes libburn and libisofs if that has not happened yet. Every operation of
    /// this module calls it first, so calling it early only moves the cost.
    ///
    /// Calls `iso_init` and `burn_initialize`, then `burn_set_messenger` so that both
    /// libraries use one message queue. `burn_msgs_set_severities` and
    /// `iso_set_msgs_severities` queue messages of severity NOTE and above and print none
    /// to standard error. `iso_set_abort_severity` makes libisofs stop the image at the
    /// first MISHAP, such as an input file that cannot be read, where it would otherwise
    /// fill the file with zeros. `burn_set_signal_handling` is never called, because the
    /// daemon handles signals itself.
    /// - Throws: `MediaCenterError` with code `.internalFailure` when a library fails to
    ///   start.
    public static func initialize() throws {
        try initialized.withLock { isInitialized in
            try initializeLocked(&isInitialized)
        }
    }

    /// Shuts both libraries down with `burn_finish` and `iso_finish`. Call it at process
    /// exit, after every drive was released. A later operation initializes them again.
    public static func finish() {
        initialized.withLock { isInitialized in
            guard isInitialized else { return }
            burn_finish()
            iso_finish()
            isInitialized = false
        }
    }

    /// Runs `body` with the libburn lock held, after initializing the libraries.
    static func locked<Result>(_ body: () throws -> Result) throws -> Result {
        try initialized.withLock { isInitialized in
            try initializeLocked(&isInitialized)
            return try body()
        }
    }

    private static func initializeLocked(_ isInitialized: inout Bool) throws {
        guard !isInitialized else { return }

        let isoResult = iso_init()
        guard isoResult >= 0 else {
            throw MediaCenterError(
                .internalFailure, "libisofs failed to initialize; check the libisofs install",
                cause: "iso_init: \(isoErrorText(isoResult))")
        }
        guard burn_initialize() != 0 else {
            iso_finish()
            throw MediaCenterError(
                .internalFailure, "libburn failed to initialize; check the libburn install",
                cause: "burn_initialize returned 0")
        }

        _ = burn_set_messenger(iso_get_messenger())
        _ = "NOTE".withCString { queue in
            "NEVER".withCString { printSeverity in
                "libburn: ".withCString { prefix in
                    burn_msgs_set_severities(
                        UnsafeMutablePointer(mutating: queue),
                        UnsafeMutablePointer(mutating: printSeverity),
                        UnsafeMutablePointer(mutating: prefix))
                }
            }
        }
        _ = "NOTE".withCString { queue in
            "NEVER".withCString { printSeverity in
                "libisofs: ".withCString { prefix in
                    iso_set_msgs_severities(
                        UnsafeMutablePointer(mutating: queue),
                        UnsafeMutablePointer(mutating: printSeverity),
                        UnsafeMutablePointer(mutating: prefix))
                }
            }
        }
        _ = "MISHAP".withCString { iso_set_abort_severity(UnsafeMutablePointer(mutating: $0)) }

        isInitialized = true
        logger.debug("libburn and libisofs initialized")
    }

    /// The lock around every libisofs call that makes or frees an image, a node, a file
    /// source or an image stream. All images of a process share one local file system
    /// object whose reference count libisofs changes without any lock. libisofs frees that
    /// object when the count reaches zero, so two threads that make or free images at the
    /// same time can free it under each other. libisofs' own writer threads only read
    /// files and do not change these counts.
    private static let isoObjects = Mutex(())

    /// Runs `body` with the lock around libisofs object lifetimes held. It does not take
    /// the libburn lock, and `body` must not take it either.
    static func isoObjectsLocked<Result>(_ body: () throws -> Result) rethrows -> Result {
        try isoObjects.withLock { _ in try body() }
    }

    /// Takes every queued message from the shared queue with `burn_msgs_obtain`, logging
    /// each at debug. Call it with the libburn lock held.
    ///
    /// NOTE: the queue is one per process. libburn's writer threads and libisofs image
    /// building queue messages without this lock, so while several drives work at once a
    /// message can reach the wrong operation's error text.
    static func takeMessages() -> [LibraryMessage] {
        var messages: [LibraryMessage] = []
        var text = [CChar](repeating: 0, count: Int(BURN_MSGS_MESSAGE_LEN))
        var severity = [CChar](repeating: 0, count: 80)

        while true {
            var code: Int32 = 0
            var osErrno: Int32 = 0
            let found = "ALL".withCString { minimum in
                burn_msgs_obtain(
                    UnsafeMutablePointer(mutating: minimum), &code, &text, &osErrno, &severity)
            }
            guard found == 1 else { break }

            let message = LibraryMessage(
                severity: string(fromCArray: severity), text: string(fromCArray: text), code: code,
                osErrno: osErrno)
            logger.debug("library message: \(message)")
            messages.append(message)
        }
        return messages
    }

    /// Returns the text of a libisofs error code, from `iso_error_to_msg`.
    static func isoErrorText(_ code: Int32) -> String {
        guard let text = iso_error_to_msg(code) else { return "libisofs error \(code)" }
        return String(cString: text)
    }
}

/// Returns the error messages among `messages` joined for an error's cause, or `fallback`
/// when there are none.
func errorText(_ messages: [LibraryMessage], fallback: String) -> String {
    let errors = messages.filter(\.isError)
    guard !errors.isEmpty else { return fallback }
    return errors.map(\.description).joined(separator: "; ")
}

// MARK: - ISO images (libisofs)

/// The owner of a libisofs `IsoImage`: a tree of nodes that refer to local files.
final class IsoImageHandle {
    private let image: OpaquePointer

    /// Makes an empty image with `iso_image_new`.
    init(volumeID: String) throws {
        try BurnLibraries.initialize()
        var created: OpaquePointer?
        let result = BurnLibraries.isoObjectsLocked { iso_image_new(volumeID, &created) }
        guard result >= 0, let created else {
            throw MediaCenterError(
                .internalFailure, "cannot create an ISO image",
                cause: "iso_image_new: \(BurnLibraries.isoErrorText(result))")
        }
        image = created
    }

    deinit {
        let image = self.image
        BurnLibraries.isoObjectsLocked { iso_image_unref(image) }
    }

    /// Sets the volume identifier with `iso_image_set_volume_id`.
    func setVolumeID(_ volumeID: String) {
        iso_image_set_volume_id(image, volumeID)
    }

    /// Sets the application identifier with `iso_image_set_application_id`.
    func setApplicationID(_ applicationID: String) {
        iso_image_set_application_id(image, applicationID)
    }

    /// Sets the data preparer identifier with `iso_image_set_data_preparer_id`.
    func setDataPreparerID(_ preparerID: String) {
        iso_image_set_data_preparer_id(image, preparerID)
    }

    /// Adds the empty directory `name` under the directory at `parentPath` (a path in the
    /// image such as `/` or `/DICOM`), with `iso_tree_path_to_node` and
    /// `iso_tree_add_new_dir`.
    func addDirectory(named name: String, under parentPath: String) throws {
        let parent = try directoryNode(parentPath)
        let result = BurnLibraries.isoObjectsLocked { iso_tree_add_new_dir(parent, name, nil) }
        guard result >= 0 else {
            throw MediaCenterError(
                .internalFailure, "cannot add the directory \(name) under \(parentPath)",
                cause: "iso_tree_add_new_dir: \(BurnLibraries.isoErrorText(result))")
        }
    }

    /// Adds the local file `localPath` under the directory at `parentPath`, named as the
    /// local file is, with `iso_tree_path_to_node` and `iso_tree_add_node`. libisofs reads
    /// the file's content only when the image is written.
    func addFile(localPath: String, under parentPath: String) throws {
        let parent = try directoryNode(parentPath)
        let result = BurnLibraries.isoObjectsLocked {
            iso_tree_add_node(image, parent, localPath, nil)
        }
        guard result >= 0 else {
            throw MediaCenterError(
                .ioFailure, "cannot add the file \(localPath) to the ISO image",
                cause: "iso_tree_add_node: \(BurnLibraries.isoErrorText(result))")
        }
    }

    /// Lends the `IsoImage` pointer to `body`, which must not keep it.
    func withImage<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(image)
    }

    /// Finds the directory node at `path` with `iso_tree_path_to_node`. The node belongs to
    /// the image and stays valid while the image lives.
    private func directoryNode(_ path: String) throws -> OpaquePointer {
        var node: OpaquePointer?
        let result = iso_tree_path_to_node(image, path, &node)
        guard result == 1, let node, iso_node_get_type(node) == LIBISO_DIR else {
            throw MediaCenterError(
                .internalFailure, "the directory \(path) is missing from the ISO image",
                cause: "iso_tree_path_to_node returned \(result)")
        }
        return node
    }
}

/// The owner of a libisofs `IsoWriteOpts`: how an image is laid out and written.
final class IsoWriteOptions {
    private let options: OpaquePointer

    /// Makes options for a plain ISO 9660 level 1 image with `iso_write_opts_new` (profile
    /// 0, "basic") and the setters named below.
    ///
    /// The image has no Rock Ridge, Joliet, ISO 9660:1999, AAIP or hard-link records, so
    /// every reader sees the ISO 9660 names themselves. libisofs keeps its default
    /// `NAME.;1` form for a file without extension (no `iso_write_opts_set_no_force_dots`,
    /// no `iso_write_opts_set_omit_version_numbers`), which is the form DICOM PS3.12
    /// Annex F requires. `recordingDate` becomes the volume's creation and modification
    /// time (`iso_write_opts_set_pvd_times`) and every directory record's date
    /// (`iso_write_opts_set_dir_rec_mtime`, `iso_write_opts_set_replace_timestamps`,
    /// `iso_write_opts_set_default_timestamp`), all recorded in GMT
    /// (`iso_write_opts_set_always_gmt`).
    init(recordingDate: time_t) throws {
        try BurnLibraries.initialize()
        var created: OpaquePointer?
        let result = iso_write_opts_new(&created, 0)
        guard result >= 0, let created else {
            throw MediaCenterError(
                .internalFailure, "cannot create ISO image write options",
                cause: "iso_write_opts_new: \(BurnLibraries.isoErrorText(result))")
        }
        options = created

        let settings: [(String, Int32)] = [
            ("iso_write_opts_set_iso_level", iso_write_opts_set_iso_level(options, 1)),
            ("iso_write_opts_set_rockridge", iso_write_opts_set_rockridge(options, 0)),
            ("iso_write_opts_set_joliet", iso_write_opts_set_joliet(options, 0)),
            ("iso_write_opts_set_iso1999", iso_write_opts_set_iso1999(options, 0)),
            ("iso_write_opts_set_aaip", iso_write_opts_set_aaip(options, 0)),
            ("iso_write_opts_set_hardlinks", iso_write_opts_set_hardlinks(options, 0)),
            (
                "iso_write_opts_set_omit_version_numbers",
                iso_write_opts_set_omit_version_numbers(options, 0)
            ),
            ("iso_write_opts_set_no_force_dots", iso_write_opts_set_no_force_dots(options, 0)),
            (
                "iso_write_opts_set_allow_deep_paths",
                iso_write_opts_set_allow_deep_paths(options, 0)
            ),
            ("iso_write_opts_set_always_gmt", iso_write_opts_set_always_gmt(options, 1)),
            ("iso_write_opts_set_dir_rec_mtime", iso_write_opts_set_dir_rec_mtime(options, 1)),
            (
                "iso_write_opts_set_replace_timestamps",
                iso_write_opts_set_replace_timestamps(options, 2)
            ),
            (
                "iso_write_opts_set_default_timestamp",
                iso_write_opts_set_default_timestamp(options, recordingDate)
            ),
            (
                "iso_write_opts_set_pvd_times",
                // libisofs copies the UUID text unchecked, so "no UUID" is "", never NULL.
                "".withCString { noUUID in
                    iso_write_opts_set_pvd_times(
                        options, recordingDate, recordingDate, 0, 0,
                        UnsafeMutablePointer(mutating: noUUID))
                }
            ),
        ]
        for (call, result) in settings where result < 0 {
            throw MediaCenterError(
                .internalFailure, "cannot set the ISO image write options",
                cause: "\(call): \(BurnLibraries.isoErrorText(result))")
        }
    }

    deinit {
        iso_write_opts_free(options)
    }

    /// Computes the size in bytes of `image` written with these options, with
    /// `mcburn_image_size`, which lays the image out without producing it.
    func imageSize(of image: IsoImageHandle) throws -> Int64 {
        var size: off_t = 0
        let result = BurnLibraries.isoObjectsLocked {
            image.withImage { mcburn_image_size($0, options, &size) }
        }
        guard result >= 0 else {
            throw MediaCenterError(
                .ioFailure, "cannot lay out the ISO image",
                cause: "iso_image_create_burn_source: \(BurnLibraries.isoErrorText(result))")
        }
        return Int64(size)
    }

    /// Starts producing `image` with `mcburn_hashing_image_source_new`.
    func makeSource(of image: IsoImageHandle) throws -> HashingImageSource {
        var source: UnsafeMutablePointer<burn_source>?
        let result = BurnLibraries.isoObjectsLocked {
            image.withImage { mcburn_hashing_image_source_new($0, options, &source) }
        }
        guard result >= 0, let source else {
            throw MediaCenterError(
                .ioFailure, "cannot start producing the ISO image",
                cause: "iso_image_create_burn_source: \(BurnLibraries.isoErrorText(result))")
        }
        return HashingImageSource(source)
    }
}

/// The owner of one reference to a libburn `burn_source` made by
/// `mcburn_hashing_image_source_new`: libisofs' image stream, with the MD5 digest of every
/// byte libburn reads from it.
final class HashingImageSource {
    private let source: UnsafeMutablePointer<burn_source>
    private var wasHandedToLibburn = false

    fileprivate init(_ source: UnsafeMutablePointer<burn_source>) {
        self.source = source
    }

    deinit {
        // A source that libburn never read must stop libisofs' writer thread first.
        let source = self.source
        if !wasHandedToLibburn { mcburn_source_cancel(source) }
        BurnLibraries.isoObjectsLocked { burn_source_free(source) }
    }

    /// The size in bytes the stream announces, from `mcburn_source_size`.
    var size: Int64 { Int64(mcburn_source_size(source)) }

    /// Returns the MD5 digest, as 32 lower-case hex digits, and the number of bytes read
    /// so far, from `mcburn_hashing_source_result`. Call it after the write ended.
    func result() throws -> (md5: String, bytesRead: Int64) {
        var digest = [UInt8](repeating: 0, count: 16)
        var bytesRead: off_t = 0
        let status = mcburn_hashing_source_result(source, &digest, &bytesRead)
        guard status == 1 else {
            throw MediaCenterError(
                .internalFailure, "cannot compute the MD5 digest of the written stream",
                cause: "mcburn_hashing_source_result returned \(status)")
        }
        return (hexString(digest), Int64(bytesRead))
    }

    /// Lends the `burn_source` pointer to `body`, which may hand it to libburn.
    fileprivate func withSource<Result>(
        _ body: (UnsafeMutablePointer<burn_source>) throws -> Result
    ) rethrows -> Result {
        wasHandedToLibburn = true
        return try body(source)
    }
}

// MARK: - MD5

/// The owner of a libisofs MD5 computation context.
final class MD5Context {
    private var context: UnsafeMutableRawPointer?

    /// Starts a computation with `iso_md5_start`.
    init() throws {
        try BurnLibraries.initialize()
        guard iso_md5_start(&context) == 1, context != nil else {
            throw MediaCenterError(
                .internalFailure, "cannot start an MD5 computation", cause: "iso_md5_start failed")
        }
    }

    deinit {
        if context != nil {
            var discarded = [CChar](repeating: 0, count: 16)
            _ = iso_md5_end(&context, &discarded)
        }
    }

    /// Adds `bytes` to the digest with `iso_md5_compute`.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let context, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, Int(Int32.max))
            let chunk = UnsafeMutableRawPointer(mutating: base + offset)
            _ = iso_md5_compute(context, chunk.assumingMemoryBound(to: CChar.self), Int32(length))
            offset += length
        }
    }

    /// Closes the computation with `iso_md5_end` and returns the digest as 32 lower-case
    /// hex digits.
    func finish() throws -> String {
        var digest = [CChar](repeating: 0, count: 16)
        guard context != nil, iso_md5_end(&context, &digest) == 1 else {
            throw MediaCenterError(
                .internalFailure, "cannot finish an MD5 computation", cause: "iso_md5_end failed")
        }
        return hexString(digest.map { UInt8(bitPattern: $0) })
    }
}

/// Returns `bytes` as lower-case hex digits.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}

// MARK: - Drives (libburn)

/// A drive that a libburn scan found: its address and what it calls itself.
public struct ScannedDrive: Sendable, Equatable {
    /// The address to grab it by, such as `/dev/sr0`.
    public var address: String
    public var vendor: String
    public var product: String
    public var revision: String
}

/// The state of the medium in a grabbed drive, as libburn reports it.
struct BurnMediumState {
    /// The `burn_disc_status` value, mapped to the product's status.
    var status: DiscStatus
    /// The MMC profile number: 0xffff for a `stdio:` file, 0 when there is none.
    var profileNumber: Int32
    var profileName: String
    /// The bytes libburn expects to fit. For a `stdio:` file, this is the free space of
    /// its file system.
    var availableBytes: Int64
}

/// The progress of a running write, as `burn_drive_get_status` reports it.
struct BurnDriveActivity {
    /// Whether the drive is `BURN_DRIVE_IDLE`: no operation is running.
    var isIdle: Bool
    var sector: Int32
    var sectors: Int32
}

/// The owner of a drive grabbed with `burn_drive_scan_and_grab`. Its deinit releases the
/// drive and makes libburn forget it, so the same address can be grabbed again.
final class GrabbedDrive {
    /// The libburn address, such as `/dev/sr0` or `stdio:/path/disc.iso`.
    let address: String
    private let infos: UnsafeMutablePointer<burn_drive_info>
    private let drive: OpaquePointer
    private var isReleased = false

    /// Grabs the drive at `address` with `burn_drive_scan_and_grab`.
    /// - Parameter load: whether a real drive should close its tray and load the medium.
    init(address: String, load: Bool) throws {
        self.address = address
        let grabbed: (infos: UnsafeMutablePointer<burn_drive_info>, drive: OpaquePointer)? =
            try BurnLibraries.locked {
                var list: UnsafeMutablePointer<burn_drive_info>?
                let result = address.withCString { text in
                    burn_drive_scan_and_grab(
                        &list, UnsafeMutablePointer(mutating: text), load ? 1 : 0)
                }
                let messages = BurnLibraries.takeMessages()
                guard result == 1, let list, let drive = list[0].drive else {
                    if let list { burn_drive_info_free(list) }
                    let reason = result == 0 ? "no drive at that address" : "grab failed"
                    throw MediaCenterError(
                        .mediaFailure,
                        "cannot open the drive \(address); check that the device exists and "
                            + "no other program uses it",
                        cause: "burn_drive_scan_and_grab: " + errorText(messages, fallback: reason))
                }
                return (list, drive)
            }
        guard let grabbed else { preconditionFailure("a grab returns a drive or throws") }
        infos = grabbed.infos
        drive = grabbed.drive
    }

    deinit {
        release(eject: false)
    }

    /// Releases the drive with `burn_drive_release`, then forgets it with
    /// `burn_drive_info_forget` and frees its record with `burn_drive_info_free`. Later
    /// calls do nothing.
    /// - Parameter eject: whether a real drive should open its tray.
    func release(eject: Bool) {
        guard !isReleased else { return }
        isReleased = true
        let infos = self.infos
        let drive = self.drive
        // The lock can only fail to be taken when initialization fails, and a grabbed drive
        // proves the libraries are initialized.
        _ = try? BurnLibraries.locked {
            burn_drive_release(drive, eject ? 1 : 0)
            _ = burn_drive_info_forget(infos, 0)
            burn_drive_info_free(infos)
            _ = BurnLibraries.takeMessages()
        }
    }

    /// Returns the drive role from `burn_drive_get_drive_role`: 1 for a real drive, 2 to 5
    /// for the kinds of `stdio:` file.
    func role() throws -> Int32 {
        try checkedCall { burn_drive_get_drive_role(drive) }
    }

    /// Inspects the medium with `burn_disc_get_status`, `burn_disc_get_profile` and
    /// `burn_disc_available_space`.
    func medium() throws -> BurnMediumState {
        try checkedCall {
            let status = burn_disc_get_status(drive)
            var number: Int32 = 0
            var name = [CChar](repeating: 0, count: 80)
            if burn_disc_get_profile(drive, &number, &name) != 1 {
                number = 0
                name[0] = 0
            }
            let available = burn_disc_available_space(drive, nil)
            _ = BurnLibraries.takeMessages()
            return BurnMediumState(
                status: Self.discStatus(status), profileNumber: number,
                profileName: string(fromCArray: name),
                availableBytes: Int64(available))
        }
    }

    /// Sets the write speed with `burn_drive_set_speed`, in 1000 bytes/s, where 0 requests
    /// the drive's maximum. The read speed stays at the maximum.
    func setWriteSpeed(kilobytesPerSecond: Int32) throws {
        try checkedCall {
            burn_drive_set_speed(drive, 0, kilobytesPerSecond)
        }
    }

    /// Makes write options for this drive with `burn_write_opts_new`.
    func makeWriteOptions() throws -> BurnWriteOptions {
        try checkedCall {
            guard let options = burn_write_opts_new(drive) else {
                throw MediaCenterError(
                    .internalFailure, "cannot create write options for \(address)",
                    cause: "burn_write_opts_new returned NULL")
            }
            return BurnWriteOptions(options)
        }
    }

    /// Starts writing `layout` with `burn_disc_write`, which returns at once and writes
    /// on a libburn thread. Poll ``activity()`` until the drive is idle.
    func startWrite(_ layout: BurnDiscLayout, options: BurnWriteOptions) throws {
        try checkedCall {
            _ = BurnLibraries.takeMessages()
            layout.withDisc { disc in
                options.withOptions { burn_disc_write($0, disc) }
            }
        }
    }

    /// Starts a blank with `burn_disc_erase` when `burn_disc_erasable` reports the medium
    /// erasable. The erase runs on a libburn thread; poll ``activity()`` until the drive is
    /// idle.
    /// - Parameter fast: whether only the disc's headers are erased.
    /// - Returns: whether the erase started, and the messages libburn queued meanwhile.
    func startErase(fast: Bool) throws -> (isErasable: Bool, messages: [LibraryMessage]) {
        try checkedCall {
            _ = BurnLibraries.takeMessages()
            guard burn_disc_erasable(drive) == 1 else {
                return (false, BurnLibraries.takeMessages())
            }
            burn_disc_erase(drive, fast ? 1 : 0)
            return (true, BurnLibraries.takeMessages())
        }
    }

    /// Returns what the drive is doing, from `burn_drive_get_status`, and the messages
    /// queued since the last call.
    func activity() throws -> (BurnDriveActivity, [LibraryMessage]) {
        try checkedCall {
            var progress = burn_progress()
            let status = burn_drive_get_status(drive, &progress)
            let activity = BurnDriveActivity(
                isIdle: status == BURN_DRIVE_IDLE, sector: progress.sector,
                sectors: progress.sectors)
            return (activity, BurnLibraries.takeMessages())
        }
    }

    /// Returns whether the last write ended well, from `burn_drive_wrote_well`.
    func wroteWell() throws -> Bool {
        try checkedCall { burn_drive_wrote_well(drive) == 1 }
    }

    /// Reads `buffer.count` bytes starting at `byteOffset`, which must be a multiple of
    /// 2048, with `burn_read_data`.
    /// - Returns: the bytes actually read and the messages libburn queued.
    func read(
        at byteOffset: Int64, into buffer: UnsafeMutableRawBufferPointer
    ) throws -> (ok: Bool, count: Int64, messages: [LibraryMessage]) {
        try checkedCall {
            // Messages of earlier operations must not count as this read's.
            _ = BurnLibraries.takeMessages()
            var count: off_t = 0
            let result = burn_read_data(
                drive, off_t(byteOffset), buffer.baseAddress?.assumingMemoryBound(to: CChar.self),
                off_t(buffer.count), &count, 0)
            return (result == 1, Int64(count), BurnLibraries.takeMessages())
        }
    }

    /// Maps libburn's disc status to the product's. A drive not ready or not grabbed counts
    /// as unsuitable.
    private static func discStatus(_ status: burn_disc_status) -> DiscStatus {
        switch status {
        case BURN_DISC_BLANK: .blank
        case BURN_DISC_EMPTY: .empty
        case BURN_DISC_APPENDABLE, BURN_DISC_FULL: .written
        default: .unsuitable
        }
    }

    /// Runs `body` with the libburn lock held, after checking the drive is still grabbed.
    private func checkedCall<Result>(_ body: () throws -> Result) throws -> Result {
        guard !isReleased else {
            throw MediaCenterError(
                .internalFailure, "the drive \(address) was already released",
                cause: "call after burn_drive_release")
        }
        return try BurnLibraries.locked(body)
    }

    /// Scans for real drives with `burn_drive_scan`, reads each one's address with
    /// `burn_drive_d_get_adr`, and forgets them again with `burn_drive_info_forget` and
    /// `burn_drive_info_free`, so none stays locked.
    ///
    /// libburn rejects a scan while it has grabbed any drive, including a `stdio:` one, so a
    /// scan during a write or read-back of this process fails.
    static func scan() throws -> [ScannedDrive] {
        try BurnLibraries.locked {
            var list: UnsafeMutablePointer<burn_drive_info>?
            var count: UInt32 = 0
            var result: Int32 = 0
            repeat {
                result = burn_drive_scan(&list, &count)
                if result == 0 { usleep(10_000) }
            } while result == 0
            let messages = BurnLibraries.takeMessages()
            guard result > 0 else {
                throw MediaCenterError(
                    .mediaFailure,
                    "cannot scan for optical drives; retry when no drive of this process is busy",
                    cause: "burn_drive_scan: " + errorText(messages, fallback: "returned \(result)")
                )
            }
            guard let list else { return [] }

            var drives: [ScannedDrive] = []
            var address = [CChar](repeating: 0, count: Int(BURN_DRIVE_ADR_LEN))
            for index in 0..<Int(count) {
                var info = list[index]
                if let drive = info.drive, burn_drive_d_get_adr(drive, &address) > 0 {
                    drives.append(
                        ScannedDrive(
                            address: string(fromCArray: address),
                            vendor: fixedString(&info.vendor),
                            product: fixedString(&info.product),
                            revision: fixedString(&info.revision)))
                }
                _ = burn_drive_info_forget(list + index, 0)
            }
            burn_drive_info_free(list)
            _ = BurnLibraries.takeMessages()
            return drives
        }
    }
}

/// Returns the text in a C character buffer, up to its first NUL byte.
func string(fromCArray characters: [CChar]) -> String {
    let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// Returns the text in a fixed-size C character array imported as a tuple.
private func fixedString<Tuple>(_ tuple: inout Tuple) -> String {
    withUnsafeBytes(of: &tuple) { bytes in
        let text = bytes.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: " ")
    }
}

extension String {
    /// Returns the string without leading and trailing `character`s.
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}

/// The owner of libburn `burn_write_opts`.
final class BurnWriteOptions {
    private let options: OpaquePointer

    fileprivate init(_ options: OpaquePointer) {
        self.options = options
    }

    deinit {
        burn_write_opts_free(options)
    }

    /// Sets the options for one session of data that closes the disc. The calls are
    /// - `burn_write_opts_set_multi` 0: close the disc.
    /// - `burn_write_opts_set_simulate` 0: really write.
    /// - `burn_write_opts_set_underrun_proof` 1: use buffer underrun protection where the
    ///   drive has it.
    /// - `burn_write_opts_set_stdio_fsync` 1: sync a `stdio:` file to disk once, at the end.
    func configureForClosedDataDisc() throws {
        try BurnLibraries.locked {
            burn_write_opts_set_multi(options, 0)
            _ = burn_write_opts_set_simulate(options, 0)
            _ = burn_write_opts_set_underrun_proof(options, 1)
            burn_write_opts_set_stdio_fsync(options, 1)
        }
    }

    /// Lets libburn choose the write type for `layout` on this drive's medium (SAO or TAO
    /// on CD, as the medium and drive allow) with `burn_write_opts_auto_write_type`.
    /// - Throws: `.mediaFailure` with libburn's reasons when no write type fits.
    func chooseWriteType(for layout: BurnDiscLayout) throws {
        try BurnLibraries.locked {
            var reasons = [CChar](repeating: 0, count: Int(BURN_REASONS_LEN))
            let chosen = layout.withDisc { disc in
                burn_write_opts_auto_write_type(options, disc, &reasons, 0)
            }
            let messages = BurnLibraries.takeMessages()
            guard chosen != BURN_WRITE_NONE else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the medium cannot take this disc; check that it is a blank, writable disc",
                    cause: "burn_write_opts_auto_write_type: "
                        + errorText(messages, fallback: string(fromCArray: reasons)))
            }
        }
    }

    /// Lends the `burn_write_opts` pointer to `body`, which must not keep it.
    fileprivate func withOptions<Result>(_ body: (OpaquePointer) throws -> Result) rethrows
        -> Result
    {
        try body(options)
    }
}

/// The owner of a libburn disc of one session with one data track.
final class BurnDiscLayout {
    private let disc: OpaquePointer
    private let session: OpaquePointer
    private let track: OpaquePointer
    /// The track's data source, kept alive for as long as the track refers to it.
    private let source: HashingImageSource

    /// Makes the disc with `burn_disc_create`, `burn_session_create`, `burn_track_create`,
    /// `burn_track_define_data` (mode 1, 2048-byte sectors, the last sector padded with
    /// zeros), `burn_track_set_source`, `burn_session_add_track` and
    /// `burn_disc_add_session`.
    init(source: HashingImageSource) throws {
        self.source = source
        let parts: (OpaquePointer, OpaquePointer, OpaquePointer) = try BurnLibraries.locked {
            guard let disc = burn_disc_create(), let session = burn_session_create(),
                let track = burn_track_create()
            else {
                throw MediaCenterError(
                    .internalFailure, "cannot describe the disc to libburn",
                    cause: "burn_disc_create, burn_session_create or burn_track_create failed")
            }
            burn_track_define_data(track, 0, 0, 1, BURN_MODE1)
            let sourceStatus = source.withSource { burn_track_set_source(track, $0) }
            let added =
                burn_session_add_track(session, track, UInt32(BURN_POS_END)) == 1
                && burn_disc_add_session(disc, session, UInt32(BURN_POS_END)) == 1
            guard sourceStatus == BURN_SOURCE_OK, added else {
                burn_disc_free(disc)
                burn_session_free(session)
                burn_track_free(track)
                throw MediaCenterError(
                    .internalFailure, "cannot describe the disc to libburn",
                    cause: "burn_track_set_source, burn_session_add_track or "
                        + "burn_disc_add_session failed")
            }
            return (disc, session, track)
        }
        (disc, session, track) = parts
    }

    deinit {
        let disc = self.disc
        let session = self.session
        let track = self.track
        _ = try? BurnLibraries.locked {
            burn_disc_free(disc)
            burn_session_free(session)
            burn_track_free(track)
        }
    }

    /// Lends the `burn_disc` pointer to `body`, which must not keep it.
    fileprivate func withDisc<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(disc)
    }
}

// MARK: - Durable files (POSIX)

/// Durable writes of small files: the data reaches the disk before the call returns.
enum DurableFile {
    /// Writes `data` to `path` through a temporary file that is synced with `fsync` and
    /// then renamed over `path` with `rename`, and syncs the folder, so a crash leaves
    /// either the old file or the new one.
    static func write(_ data: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot create \(temporary); check the folder's permissions",
                call: "open")
        }

        var written = 0
        while written < data.count {
            let count = data[written...].withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress, bytes.count)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = MediaCenterError.fromErrno(
                    .ioFailure, "cannot write \(temporary)", call: "write")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = MediaCenterError.fromErrno(
                .ioFailure, "cannot sync \(temporary)", call: "fsync")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)

        guard rename(temporary, path) == 0 else {
            let error = MediaCenterError.fromErrno(
                .ioFailure, "cannot replace \(path)", call: "rename")
            unlink(temporary)
            throw error
        }
        try syncFolder(containing: path)
    }

    /// Syncs the folder that contains `path` with `fsync`, so a rename or a new file in it
    /// survives a crash.
    static func syncFolder(containing path: String) throws {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot open the folder \(folder)", call: "open")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot sync the folder \(folder)", call: "fsync")
        }
    }
}
