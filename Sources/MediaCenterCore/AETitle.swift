/// Rules for Application Entity titles (value representation AE): 1 to 16 characters of
/// the default character repertoire without backslash or control characters, where leading
/// and trailing spaces are not significant.
public enum AETitle {
    /// Returns `title` without leading and trailing spaces once it passes the AE rules.
    /// - Parameter role: What the title is, for the message, such as "calling AE title".
    /// - Throws: `MediaCenterError` with code `invalidArgument` naming the title and the rule
    ///   it breaks.
    public static func validated(_ title: String, role: String = "AE title") throws -> String {
        let trimmed = String(
            title.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        guard !trimmed.isEmpty else {
            throw MediaCenterError(
                .invalidArgument,
                "\(role) \"\(title)\" is empty or all spaces; use 1 to 16 "
                    + "visible characters")
        }
        guard trimmed.utf8.count <= 16 else {
            throw MediaCenterError(
                .invalidArgument,
                "\(role) \"\(title)\" has \(trimmed.utf8.count) characters; use at most 16")
        }
        let allowed = trimmed.utf8.allSatisfy {
            $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\")
        }
        guard allowed else {
            throw MediaCenterError(
                .invalidArgument,
                "\(role) \"\(title)\" contains a backslash, a control character or a character "
                    + "outside ASCII; use printable ASCII characters without a backslash")
        }
        return trimmed
    }
}
