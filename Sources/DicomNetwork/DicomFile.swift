import CDCMTK
import MediaCenterCore
import Synchronization

/// A parsed PS3.10 file (or a bare data set without File Meta Information), read through
/// the DCMTK shim, or a received data set that the Storage SCP parsed in memory. The handle
/// is freed when the object goes away. Calls from several threads take turns.
///
/// DCMTK reads values longer than the open's value length limit from the file only when
/// they are asked for, so the file must stay at its path while such values are read.
public final class DicomFile: @unchecked Sendable {
    // @unchecked: every use of `handle` after init holds `lock`.
    private let handle: OpaquePointer
    /// DCMTK may change an element while reading it, such as loading its value from the
    /// file, so calls must not overlap.
    private let lock = Mutex(())

    /// Opens and parses the file at `path` with `mcd_dataset_open`.
    /// - Parameters:
    ///   - path: The file to read.
    ///   - maxValueLength: Element values longer than this many bytes, such as pixel data,
    ///     are not read when the file is opened. 0 reads every value at once.
    /// - Throws: `MediaCenterError` with code `parseFailure` when the file cannot be read
    ///   or parsed.
    public init(path: String, maxValueLength: UInt32 = 0) throws {
        var error = mcd_error()
        guard let handle = mcd_dataset_open(path, maxValueLength, &error) else {
            throw MediaCenterError(
                .parseFailure, "cannot read the DICOM file \(path)",
                cause: DicomToolkit.message(of: error))
        }
        self.handle = handle
    }

    /// Takes ownership of `handle`, a data set from the shim such as one that
    /// `mcd_association_take_store_dataset` handed over.
    init(adopting handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        mcd_dataset_free(handle)
    }

    /// Returns the raw value of the string element (`group`, `element`) as stored,
    /// without its trailing padding, through `mcd_dataset_get_string`. Returns nil when the
    /// element is absent and an empty array when it is empty.
    public func bytes(_ group: UInt16, _ element: UInt16) -> [UInt8]? {
        readString { handle, buffer, capacity in
            mcd_dataset_get_string(handle, group, element, buffer, capacity)
        }
    }

    /// Returns the value of the string element (`group`, `element`) as stored, decoded as
    /// UTF-8. Suits values in the default character repertoire, such as UIDs, dates and
    /// IDs. Returns nil when the element is absent.
    public func string(_ group: UInt16, _ element: UInt16) -> String? {
        bytes(group, element).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Returns the value of the string element (`group`, `element`) converted to UTF-8
    /// from the data set's Specific Character Set (0008,0005), through
    /// `mcd_dataset_get_string_utf8`. Returns the raw value when the conversion fails, and
    /// nil when the element is absent.
    public func utf8String(_ group: UInt16, _ element: UInt16) -> String? {
        let value = readString { handle, buffer, capacity in
            mcd_dataset_get_string_utf8(handle, group, element, buffer, capacity)
        }
        return value.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The Transfer Syntax UID (0002,0010) of the File Meta Information, through
    /// `mcd_dataset_get_transfer_syntax`; nil for a bare data set.
    public var transferSyntaxUID: String? {
        let value = readString { handle, buffer, capacity in
            mcd_dataset_get_transfer_syntax(handle, buffer, capacity)
        }
        return value.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `read` with the handle and ever larger buffers until the value fits, holding the
    /// lock. `read` follows the shim's convention: the length, -1 when absent, or -2 when the
    /// buffer is too small.
    private func readString(
        _ read: (OpaquePointer, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) -> [UInt8]? {
        lock.withLock { _ in
            var capacity = 256
            while true {
                var buffer = [CChar](repeating: 0, count: capacity)
                let length = buffer.withUnsafeMutableBufferPointer {
                    read(handle, $0.baseAddress!, capacity)
                }
                if length >= 0 {
                    return buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
                }
                // The shim reports lengths as an int, so values near 2 GiB cannot be read anyway.
                if length == -1 || capacity >= Int(Int32.max) / 2 { return nil }
                capacity *= 8
            }
        }
    }
}
