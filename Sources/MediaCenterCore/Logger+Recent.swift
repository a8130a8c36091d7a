import Foundation
import Synchronization

/// A warning or error that the process logged, kept in memory for the console.
public struct RecentLogEntry: Sendable, Equatable {
    public var at: Date
    public var level: LogLevel
    /// The logger's label, such as `jobs`.
    public var label: String
    /// The message with its structured fields appended as `key=value`.
    public var text: String
}

extension Logger {
    /// The number of warnings and errors kept; older ones are dropped.
    public static let recentCapacity = 100

    private static let recent = Mutex<[RecentLogEntry]>([])

    /// Returns the kept warnings and errors, oldest first.
    public static var recentProblems: [RecentLogEntry] {
        recent.withLock { $0 }
    }

    /// Keeps a warning or error for `recentProblems`, whatever the log threshold.
    static func keepIfProblem(
        _ level: LogLevel, label: String, _ text: String, _ fields: [(key: String, value: String)]
    ) {
        guard level.rawValue <= LogLevel.warning.rawValue else { return }
        let suffix = fields.map { " \($0.key)=\($0.value)" }.joined()
        let entry = RecentLogEntry(at: Date(), level: level, label: label, text: text + suffix)
        recent.withLock { entries in
            entries.append(entry)
            if entries.count > recentCapacity {
                entries.removeFirst(entries.count - recentCapacity)
            }
        }
    }
}
