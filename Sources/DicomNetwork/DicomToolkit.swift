import CDCMTK
import Glibc
import MediaCenterCore

/// Process-wide set-up of DCMTK, the DICOM toolkit under this module.
public enum DicomToolkit {
    /// The data dictionary of Debian's DCMTK 3.6.7 package (libdcmtk17).
    public static let defaultDictionaryPath = "/usr/share/libdcmtk17/dicom.dic"

    /// Loads the DICOM data dictionary and registers the JPEG, JPEG-LS and RLE decoders,
    /// through `mcd_initialize`. The dictionary is `DCMDICTPATH` when that variable is set,
    /// else `defaultDictionaryPath`. Only the first call does the work; later calls return
    /// its result.
    /// - Throws: `MediaCenterError` with code `ioFailure` when no dictionary can be loaded.
    public static func initialize() throws {
        let fromEnvironment = getenv("DCMDICTPATH") != nil
        var error = mcd_error()
        let result: Int32
        if fromEnvironment {
            result = mcd_initialize(nil, &error)
        } else {
            result = mcd_initialize(defaultDictionaryPath, &error)
        }
        guard result == Int32(MCD_OK) else {
            throw MediaCenterError(shimError: error, result: result)
        }
    }
}

extension MediaCenterError {
    /// Makes an error from a failure that the DCMTK shim reported.
    init(shimError error: mcd_error, result: Int32) {
        self.init(MediaCenterError.Code(shimCode: result), DicomToolkit.message(of: error))
    }
}

extension MediaCenterError.Code {
    /// Maps one of the shim's `MCD_ERROR_*` values to an error code.
    init(shimCode code: Int32) {
        switch code {
        case Int32(MCD_ERROR_INVALID_ARGUMENT): self = .invalidArgument
        case Int32(MCD_ERROR_IO): self = .ioFailure
        case Int32(MCD_ERROR_PARSE): self = .parseFailure
        case Int32(MCD_ERROR_NETWORK), Int32(MCD_ERROR_REJECTED): self = .networkFailure
        case Int32(MCD_ERROR_UNSUPPORTED): self = .unsupported
        case Int32(MCD_ERROR_NO_SPACE): self = .noSpace
        default: self = .internalFailure
        }
    }
}

extension DicomToolkit {
    /// Returns the message text of a shim error.
    static func message(of error: mcd_error) -> String {
        withUnsafeBytes(of: error.message) { bytes in
            let text = bytes.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
    }
}

extension DicomToolkit {
    /// Returns the name DCMTK's UID dictionary gives `uid`, such as "CT Image Storage", with
    /// `mcd_uid_name`, or nil for a UID it does not know.
    public static func name(ofUID uid: String) -> String? {
        guard let name = mcd_uid_name(uid) else { return nil }
        return String(cString: name)
    }
}
