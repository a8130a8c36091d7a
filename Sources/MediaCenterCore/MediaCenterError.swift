/// A failure any module reports: what went wrong, what a field engineer should do about
/// it, and the underlying cause (a C call and its errno, or a DCMTK condition text).
public struct MediaCenterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, stable across releases so that scripts can match on it.
    public enum Code: String, Sendable {
        case invalidArgument = "invalid-argument"
        case invalidConfiguration = "invalid-configuration"
        case ioFailure = "io-failure"
        case noSpace = "no-space"
        case parseFailure = "parse-failure"
        case networkFailure = "network-failure"
        case databaseFailure = "database-failure"
        case unsupported = "unsupported"
        case mediaFailure = "media-failure"
        case notFound = "not-found"
        case internalFailure = "internal-failure"
    }

    public var code: Code
    /// A sentence naming the value that was wrong and what to do next.
    public var message: String
    /// The call that failed and its own error text, when there is one.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message) (\(cause))"
    }
}

#if canImport(Glibc)
import Glibc

extension MediaCenterError {
    /// Makes an error from the current `errno` of the C call `call`.
    public static func fromErrno(
        _ code: Code, _ message: String, call: String, errno value: Int32 = errno
    ) -> MediaCenterError {
        let text = String(cString: strerror(value))
        let kind: Code = (value == ENOSPC || value == EDQUOT) ? .noSpace : code
        return MediaCenterError(kind, message, cause: "\(call): \(text)")
    }
}
#endif
