import Foundation
import Glibc

/// The configuration file of mediacenterd: UTF-8 text with one `key = value` per line.
///
/// Blank lines and lines that start with `#` are ignored, and spaces around the key and
/// the value are removed. There are no sections and no quoting: a value runs from the
/// first `=` to the end of the line.
public enum ConfigurationFile {
    /// The largest file read. A file that sets every key is about 4 KiB, so a larger one
    /// is a wrong path, such as a device that never ends.
    public static let maxSize = 1 << 20

    /// Reads and parses the configuration file at `path`.
    /// - Parameters:
    ///   - path: The file to read.
    ///   - missingIsFine: Whether a file that does not exist means "no settings" rather
    ///     than an error, as for the default path.
    /// - Returns: the settings in line order, or nil when the file does not exist and
    ///   `missingIsFine` is true.
    /// - Throws: `ConfigurationError` when the file cannot be read or has invalid lines.
    public static func read(_ path: String, missingIsFine: Bool) throws -> [ConfigurationSetting]? {
        let fix =
            missingIsFine
            ? "make it readable by the daemon's user, or remove it"
            : "check the path given to --config"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT && missingIsFine { return nil }
            throw readFailure(path, call: "open", errno: code, fix: fix)
        }
        defer { close(descriptor) }

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw readFailure(path, call: "read", errno: errno, fix: fix)
            }
            if count == 0 { break }
            bytes += buffer[..<count]
            guard bytes.count <= maxSize else {
                throw ConfigurationError(problems: [
                    "the configuration file \(path) is larger than \(maxSize / 1024) KiB; "
                        + "\(fix)"
                ])
            }
        }
        return try parse(bytes, path: path)
    }

    /// Parses the bytes of a configuration file.
    /// - Parameters:
    ///   - bytes: The file's contents; a UTF-8 byte order mark at the start is skipped.
    ///   - path: The file's name in messages.
    /// - Returns: the settings in line order, each value checked.
    /// - Throws: `ConfigurationError` with one message for each line that is not UTF-8,
    ///   has no `=` or no key, names an unknown key, sets a key a second time, or has a
    ///   value the key does not accept.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [ConfigurationSetting] {
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }

        var settings: [ConfigurationSetting] = []
        var problems: [String] = []
        var lineOfKey: [String: Int] = [:]
        let lines = content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, lineBytes) in lines.enumerated() {
            let number = index + 1
            let location = "\(path):\(number)"
            guard let line = String(validating: lineBytes, as: UTF8.self) else {
                problems.append("\(location): the line is not valid UTF-8; save the file as UTF-8")
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }

            guard let equals = trimmed.firstIndex(of: "=") else {
                problems.append(
                    "\(location): the line has no \"=\"; write a setting as key = value, or "
                        + "start a comment with #")
                continue
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = Self.removingTrailingComment(
                String(trimmed[trimmed.index(after: equals)...])
            ).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                problems.append("\(location): the line has no key before \"=\"")
                continue
            }
            guard let key = ConfigurationKey.named(name) else {
                problems.append("\(location): " + unknownKeyMessage(name))
                continue
            }
            if let first = lineOfKey[name] {
                problems.append(
                    "\(location): key \"\(name)\" is set on line \(first) and again on line "
                        + "\(number); keep one of them")
                continue
            }
            lineOfKey[name] = number
            let setting = ConfigurationSetting(
                key: key, value: value, source: .file(path: path, line: number))
            do {
                var check = Configuration()
                try key.apply(value, &check)
            } catch let error as InvalidValue {
                problems.append(setting.describeInvalid(error))
                continue
            }
            settings.append(setting)
        }

        if !problems.isEmpty {
            throw ConfigurationError(problems: problems)
        }
        return settings
    }

    /// Formats `configuration` as a configuration file that sets every key, each with
    /// comment lines above it that give its summary, default and allowed values.
    /// `parse` and `Configuration.apply` read the text back to an equal configuration.
    public static func format(_ configuration: Configuration) -> String {
        var lines = [
            "# Configuration of mediacenterd, the DICOM burn appliance daemon.",
            "# One \"key = value\" per line. A \"#\" at the start of a line, or after a space",
            "# or tab, starts a comment that runs to the end of the line.",
            "# mediacenterd reads \(Configuration.defaultFilePath) when it exists, or the",
            "# file given with --config FILE. Command-line options override this file.",
        ]
        for key in ConfigurationKey.all {
            lines.append("")
            let summary = key.summary.prefix(1).uppercased() + key.summary.dropFirst() + "."
            lines += wrapWords(summary, width: 77).map { "# " + $0 }
            lines += wrapWords(
                "Default: \(key.defaultDescription). Allowed: \(key.allowed).", width: 77
            ).map { "# " + $0 }
            if !key.inEffect {
                lines.append("# Not in effect yet: this version checks the value but ignores it.")
            }
            if key.reloads {
                lines.append("# SIGHUP applies a change; other keys need a restart.")
            }
            let value = key.value(in: configuration)
            lines.append(value.isEmpty ? "\(key.name) =" : "\(key.name) = \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func readFailure(
        _ path: String, call: String, errno code: Int32, fix: String
    ) -> ConfigurationError {
        let reason = String(cString: strerror(code))
        return ConfigurationError(problems: [
            "cannot read the configuration file \(path) (\(call): \(reason)); \(fix)"
        ])
    }

    /// Returns `value` without a comment at its end: a "#" after a space or tab starts
    /// one. A "#" inside a word, as in the AE title PACS#1, is part of the value.
    static func removingTrailingComment(_ value: String) -> String {
        var previous: Character = " "
        for index in value.indices {
            let character = value[index]
            if character == "#" && (previous == " " || previous == "\t") {
                return String(value[..<index])
            }
            previous = character
        }
        return value
    }

    private static func unknownKeyMessage(_ name: String) -> String {
        var message = "unknown key \(String(reflecting: name))"
        let normalized = String(
            name.lowercased().replacingOccurrences(of: "-", with: "_").drop { $0 == "_" })
        if let suggestion = closestMatch(to: normalized, among: ConfigurationKey.all.map(\.name)) {
            message += "; did you mean \"\(suggestion)\"?"
        } else {
            message += "; mediacenterd --print-config lists every key"
        }
        return message
    }
}

/// Returns the candidate closest to `text` when it is close enough to be a typing mistake:
/// at most one edit away for names of up to four characters, at most two for longer ones.
/// An edit inserts, removes or replaces a character, or swaps two neighbours.
func closestMatch(to text: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(text, $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = best.0.count <= 4 ? 1 : 2
    return best.1 <= limit ? best.0 : nil
}

/// Computes the optimal string alignment distance: the Levenshtein distance, with a swap of
/// two neighbouring characters counted as one edit.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }

    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            table[i][j] = min(
                table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
            }
        }
    }
    return table[a.count][b.count]
}

/// Breaks `text` into lines of at most `width` characters at spaces. A word longer than
/// `width` gets a line of its own.
func wrapWords(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
        if current.isEmpty {
            current = String(word)
        } else if current.count + 1 + word.count <= width {
            current += " " + word
        } else {
            lines.append(current)
            current = String(word)
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
