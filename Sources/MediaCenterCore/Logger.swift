import CSystemd
import Glibc
import Synchronization

/// A log severity, in syslog order.
public enum LogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue > rhs.rawValue }

    public var description: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// Structured fields of a log line, with dotted keys such as `calling.ae` and `job.id`.
public typealias LogMetadata = [String: String]

/// A logger that writes to the systemd journal when the process runs under it, and to
/// standard error otherwise. Patient data belongs at `.debug` only.
public struct Logger: Sendable {
    /// The component name, sent as the `SYSLOG_IDENTIFIER`-like `COMPONENT` field.
    public let label: String

    private static let threshold = Atomic<Int>(LogLevel.info.rawValue)
    private static let toJournal: Bool = getenv("JOURNAL_STREAM") != nil
    private static let output = Mutex(())

    public init(label: String) {
        self.label = label
    }

    /// Sets the most verbose level that is written, for every logger of the process.
    public static func setThreshold(_ level: LogLevel) {
        threshold.store(level.rawValue, ordering: .relaxed)
    }

    /// Whether a message at `level` is written at all.
    public static func isEnabled(_ level: LogLevel) -> Bool {
        level.rawValue <= threshold.load(ordering: .relaxed)
    }

    public func error(_ message: @autoclosure () -> String, _ metadata: LogMetadata = [:]) {
        log(.error, message(), metadata)
    }

    public func warning(_ message: @autoclosure () -> String, _ metadata: LogMetadata = [:]) {
        log(.warning, message(), metadata)
    }

    public func notice(_ message: @autoclosure () -> String, _ metadata: LogMetadata = [:]) {
        log(.notice, message(), metadata)
    }

    public func info(_ message: @autoclosure () -> String, _ metadata: LogMetadata = [:]) {
        log(.info, message(), metadata)
    }

    public func debug(_ message: @autoclosure () -> String, _ metadata: LogMetadata = [:]) {
        log(.debug, message(), metadata)
    }

    /// Writes one line at `level` with its structured fields.
    public func log(
        _ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: LogMetadata
    ) {
        guard Logger.isEnabled(level) || level.rawValue <= LogLevel.warning.rawValue else {
            return
        }
        // Messages of other libraries (DCMTK's condition texts) may span lines, and a value
        // received over DICOM may hold any byte. Each entry stays on one line, so control
        // characters become spaces.
        var text = Logger.singleLine(message())
        var fields = metadata.sorted { $0.key < $1.key }.map {
            (key: $0.key, value: Logger.singleLine($0.value))
        }
        if level != .debug {
            // Instance, series and study UIDs identify a patient's images, so entries above
            // debug show them masked. At debug, the entry is repeated with them.
            let masked = Logger.maskingUIDs(text)
            let maskedFields = fields.map { (key: $0.key, value: Logger.maskingUIDs($0.value)) }
            if masked != text || !maskedFields.elementsEqual(fields, by: { $0 == $1 }) {
                if Logger.isEnabled(.debug) {
                    log(.debug, "unmasked: " + text, metadata)
                }
                text = masked
                fields = maskedFields
            }
        }
        Logger.keepIfProblem(level, label: label, text, fields)
        guard Logger.isEnabled(level) else { return }

        if Logger.toJournal {
            sendToJournal(level, text, fields)
            return
        }
        let suffix = fields.map { " \($0.key)=\($0.value)" }.joined()
        let line = "\(label) \(level): \(text)\(suffix)\n"
        Logger.output.withLock { _ in
            // One write(2) per line keeps lines whole when several threads log at once.
            var bytes = Array(line.utf8)
            _ = write(STDERR_FILENO, &bytes, bytes.count)
        }
    }

    /// The prefix of the UIDs that DICOM itself defines (SOP classes, transfer syntaxes),
    /// which identify no patient and stay readable.
    static let standardUIDPrefix = "1.2.840.10008."

    /// Returns `text` with each UID that is not one of DICOM's own replaced by `<uid>`. A
    /// UID here is a run of digits and dots with at least five numbers, so IPv4 addresses
    /// and version numbers stay as they are.
    static func maskingUIDs(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: ".")) else { return text }
        var result = ""
        var run = ""
        func flush() {
            // A full stop after a UID ends the sentence, not the UID.
            let candidate = run.drop { $0 == "." }.reversed().drop { $0 == "." }.reversed()
            let uid = String(candidate)
            let numbers = uid.split(separator: ".", omittingEmptySubsequences: false)
            let isUID =
                numbers.count >= 5 && numbers.allSatisfy { !$0.isEmpty }
                && !uid.hasPrefix(standardUIDPrefix)
            result += isUID ? run.replacingOccurrences(of: uid, with: "<uid>") : run
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || character == ".") {
                run.append(character)
            } else {
                if !run.isEmpty { flush() }
                result.append(character)
            }
        }
        if !run.isEmpty { flush() }
        return result
    }

    /// Returns `text` with each run of control characters (newlines included) replaced by
    /// one space.
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return text }
        var result = String.UnicodeScalarView()
        var lastWasControl = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                if !lastWasControl { result.append(" ") }
                lastWasControl = true
            } else {
                result.append(scalar)
                lastWasControl = false
            }
        }
        return String(result)
    }

    /// Returns the journal fields of one line: `MESSAGE`, `PRIORITY`, `COMPONENT`, and one
    /// field per structured key, upper-cased with each character other than a letter or
    /// digit replaced by `_`, so `job.id` becomes `JOB_ID`.
    func journalEntries(
        _ level: LogLevel, _ text: String, _ fields: [(key: String, value: String)]
    ) -> [String] {
        var entries = ["MESSAGE=\(text)", "PRIORITY=\(level.rawValue)", "COMPONENT=\(label)"]
        for (key, value) in fields {
            let name = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
            entries.append("\(String(name))=\(value)")
        }
        return entries
    }

    /// Sends the line through `sd_journal_sendv`, one field per structured key.
    private func sendToJournal(
        _ level: LogLevel, _ text: String, _ fields: [(key: String, value: String)]
    ) {
        let entries = journalEntries(level, text, fields)
        let copies = entries.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var vectors = copies.map {
            iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0!))
        }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }
}
