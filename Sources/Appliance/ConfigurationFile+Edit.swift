import Foundation
import Glibc

extension ConfigurationFile {
    /// Returns `text` with the key `name` set to `value`. The first line that sets the key
    /// gets the new value and keeps its indentation and its comment at the end. Without
    /// such a line, `name = value` is added at the end. Every other line stays as it was.
    public static func setting(_ name: String, to value: String, in text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        let assignment = "\(name) = \(value)"
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else {
                continue
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            guard key == name else { continue }

            let indentation = String(line.prefix { $0 == " " || $0 == "\t" })
            let oldValue = String(trimmed[trimmed.index(after: equals)...])
            let kept = removingTrailingComment(oldValue)
            let comment = String(oldValue.dropFirst(kept.count))
            lines[index] = indentation + assignment + (comment.isEmpty ? "" : " " + comment)
            return lines.joined(separator: "\n")
        }
        if let last = lines.last, last.isEmpty {
            lines.insert(assignment, at: lines.count - 1)
        } else {
            lines.append(assignment)
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// Replaces the file at `path` with `text` through a temporary file in the same folder,
    /// synced and then renamed over it, so that a power cut leaves the old or the new file.
    /// The new file keeps the old one's permission bits, or gets 0644.
    /// - Throws: `ConfigurationError` naming the file, the failed call and the fix.
    public static func replace(_ path: String, with text: String) throws {
        var info = stat()
        let mode = stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0o644
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw writeFailure(path, call: "open \(temporary)")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(descriptor) == 0
        let failedCall = written != bytes.count ? "write" : "fsync"
        let code = errno
        close(descriptor)
        guard synced else {
            unlink(temporary)
            errno = code
            throw writeFailure(path, call: failedCall)
        }
        guard rename(temporary, path) == 0 else {
            let renameError = errno
            unlink(temporary)
            errno = renameError
            throw writeFailure(path, call: "rename")
        }
    }

    private static func writeFailure(_ path: String, call: String) -> ConfigurationError {
        let reason = String(cString: strerror(errno))
        let folder = (path as NSString).deletingLastPathComponent
        return ConfigurationError(problems: [
            "cannot write the configuration file \(path) (\(call): \(reason)); the daemon's "
                + "user needs write access to \(folder), or edit the file as root"
        ])
    }
}
