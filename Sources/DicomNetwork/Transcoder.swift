import CDCMTK
import MediaCenterCore

/// Converts stored instances to another transfer syntax, for on-receive transcoding.
public enum Transcoder {
    /// The transfer syntaxes a received instance may be transcoded to: the two
    /// uncompressed little endian ones, which every decoder here can produce.
    public static let targets: [TransferSyntax] = [
        .explicitVRLittleEndian, .implicitVRLittleEndian,
    ]

    /// Writes the PS3.10 file at `source` to `destination` (which must not exist) in
    /// `transferSyntax`, with `mcd_transcode_file`. The File Meta Information stays as it
    /// was except for its Transfer Syntax UID.
    /// - Throws: `MediaCenterError`: `unsupported` when no codec converts the file's
    ///   transfer syntax, `parseFailure` when the source cannot be read, `ioFailure` when
    ///   the destination cannot be written.
    public static func transcode(
        _ source: String, to destination: String, transferSyntax: TransferSyntax
    ) throws {
        try DicomToolkit.initialize()
        var error = mcd_error()
        let result = mcd_transcode_file(source, destination, transferSyntax.rawValue, &error)
        guard result == Int32(MCD_OK) else {
            throw MediaCenterError(shimError: error, result: result)
        }
    }

    /// Decodes the compressed pixel data of the PS3.10 file at `path` in memory and
    /// discards it, with `mcd_check_pixel_data`; an uncompressed file passes at once.
    /// - Throws: `MediaCenterError` with code `parseFailure` when the pixel data cannot be
    ///   decoded or the file cannot be read.
    public static func checkPixelData(_ path: String) throws {
        try DicomToolkit.initialize()
        var error = mcd_error()
        let result = mcd_check_pixel_data(path, &error)
        guard result == Int32(MCD_OK) else {
            throw MediaCenterError(shimError: error, result: result)
        }
    }
}
