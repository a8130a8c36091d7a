/// Names for files and folders on the disc that meet ISO 9660 level 1 and the DICOM media
/// rules: upper-case letters, digits and underscore, 1 to 8 characters, no extension.
/// They are built from counters, never from attribute values, so no patient data and no
/// path separator can reach a path on the disc.
public enum ISO9660Name {
    /// The maximum number of characters in a component.
    public static let maxLength = 8

    /// Makes the name `prefix` followed by `number` in decimal, zero-padded to 8 characters.
    /// For example `make("P", 12)` is `P0000012`.
    /// - Precondition: `prefix` is one to three characters of A-Z and `number` fits.
    public static func make(_ prefix: String, _ number: Int) -> String {
        precondition(!prefix.isEmpty && prefix.count <= 3 && isValid(prefix))
        let digits = String(number)
        let width = maxLength - prefix.count
        precondition(number >= 0 && digits.count <= width, "counter \(number) does not fit")
        return prefix + String(repeating: "0", count: width - digits.count) + digits
    }

    /// Whether `component` is a valid level 1 name as DICOM media use it.
    public static func isValid(_ component: String) -> Bool {
        guard !component.isEmpty, component.utf8.count <= maxLength else { return false }
        return component.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }
}
