import Foundation

/// The values a file-set gets where an instance has no value for a key that the DICOMDIR
/// requires: the rules of the product this one replaces.
public enum GeneratedKeys {
    /// Study ID (0020,0010) where an instance has none.
    public static let studyID = "UNKNOWN"

    /// Series Number (0020,0011) where an instance has none.
    public static let seriesNumber = "1"

    /// Returns the Patient ID for an instance that has none: its Accession Number
    /// (0008,0050) when that has a value, else its Study Instance UID (0020,000D). So each
    /// such study gets an ID of its own, even when it belongs to a known patient.
    public static func patientID(accessionNumber: String?, studyInstanceUID: String) -> String {
        let accession = (accessionNumber ?? "").trimmingCharacters(in: .whitespaces)
        return accession.isEmpty ? studyInstanceUID : accession
    }

    /// Returns the Study Date (0008,0020) for `date` in `timeZone`, as YYYYMMDD.
    public static func studyDate(_ date: Date, in timeZone: TimeZone) -> String {
        let parts = components(date, timeZone)
        return digits(parts.year, 4) + digits(parts.month, 2) + digits(parts.day, 2)
    }

    /// Returns the Study Time (0008,0030) for `date` in `timeZone`, as HHMMSS.
    public static func studyTime(_ date: Date, in timeZone: TimeZone) -> String {
        let parts = components(date, timeZone)
        return digits(parts.hour, 2) + digits(parts.minute, 2) + digits(parts.second, 2)
    }

    static func components(_ date: Date, _ timeZone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }

    static func digits(_ value: Int?, _ width: Int) -> String {
        let text = String(value ?? 0)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// Makes a new UID under the 2.25 root: the 128 bits of a random (version 4) UUID written
/// as one decimal integer.
func makeUUIDDerivedUID() -> String {
    let bytes = withUnsafeBytes(of: UUID().uuid) { Array($0) }
    var high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    var low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }

    // Long division of the 128-bit value (high, low) by 10, one decimal digit at a time.
    var digits: [Character] = []
    repeat {
        let highQuotient = high / 10
        let highRemainder = high % 10
        let (lowQuotient, remainder) = UInt64(10).dividingFullWidth((high: highRemainder, low: low))
        high = highQuotient
        low = lowQuotient
        digits.append(Character(String(remainder)))
    } while high != 0 || low != 0
    return "2.25." + String(digits.reversed())
}
