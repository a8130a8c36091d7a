import Foundation

/// A recorded event of any collection: a state change or a rejected disc.
public struct StoredEvent: Sendable, Equatable {
    /// The kind of a recorded event.
    public enum Kind: String, Sendable {
        case transition
        case reject
    }

    public var kind: Kind
    public var collectionID: Int64
    /// For a transition, "FROM -> TO: REASON"; for a reject, "disc N rejected on DRIVE:
    /// REASON".
    public var text: String
    public var at: Date
}

extension PatientStore {
    /// Returns the latest `limit` state changes and rejected discs of every collection,
    /// oldest first. Patient data is not part of them.
    public func recentEvents(limit: Int) throws -> [StoredEvent] {
        try connection.withLock { database in
            let rows = try database.query(
                """
                SELECT kind, collection_id, a, b, c, at FROM (
                    SELECT 'transition' AS kind, collection_id, from_state AS a,
                        to_state AS b, reason AS c, at, id FROM transitions
                    UNION ALL
                    SELECT 'reject', collection_id, CAST(number AS TEXT), drive, reason, at, id
                    FROM rejects
                ) ORDER BY at DESC, id DESC LIMIT ?
                """,
                [.integer(Int64(max(0, limit)))])
            return rows.reversed().map { row in
                let kind = StoredEvent.Kind(rawValue: row[0].string) ?? .transition
                let text: String
                switch kind {
                case .transition:
                    let from = row[2].optionalString ?? "new"
                    text = "\(from) -> \(row[3].string): \(row[4].string)"
                case .reject:
                    text = "disc \(row[2].string) rejected on \(row[3].string): \(row[4].string)"
                }
                return StoredEvent(
                    kind: kind, collectionID: row[1].int, text: text,
                    at: Date(timeIntervalSince1970: row[5].double))
            }
        }
    }
}
