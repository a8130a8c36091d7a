import Foundation
import MediaCenterCore

extension PatientStore {
    /// Returns the access list, ordered by AE title.
    public func remoteAEs() throws -> [RemoteAE] {
        try connection.withLock { database in
            try database.query(
                "SELECT ae_title, host, port, description FROM remote_aes ORDER BY ae_title"
            ).map { row in
                RemoteAE(
                    aeTitle: row[0].string, host: row[1].string,
                    port: row[2] == .null ? nil : Int(row[2].int), description: row[3].string)
            }
        }
    }

    /// Adds `entry` to the access list.
    /// - Throws: `MediaCenterError` with code `invalidArgument` when the AE title is in the
    ///   list already.
    public func addRemoteAE(_ entry: RemoteAE, at date: Date = Date()) throws {
        try connection.withLock { database in
            try database.transaction {
                let existing = try database.query(
                    "SELECT host FROM remote_aes WHERE ae_title = ?", [.text(entry.aeTitle)])
                if let row = existing.first {
                    throw MediaCenterError(
                        .invalidArgument,
                        "AE title \"\(entry.aeTitle)\" is in the access list already, for "
                            + "host \(row[0].string); remove it first to change it")
                }
                try database.query(
                    """
                    INSERT INTO remote_aes (ae_title, host, port, description, added_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [
                        .text(entry.aeTitle), .text(entry.host),
                        entry.port.map { .integer(Int64($0)) } ?? .null,
                        .text(entry.description), .real(date.timeIntervalSince1970),
                    ])
            }
        }
    }

    /// Removes the entry of `aeTitle` from the access list.
    /// - Returns: the removed entry, or nil when the list has none for `aeTitle`.
    @discardableResult
    public func removeRemoteAE(_ aeTitle: String) throws -> RemoteAE? {
        try connection.withLock { database in
            try database.transaction {
                let rows = try database.query(
                    "SELECT ae_title, host, port, description FROM remote_aes WHERE ae_title = ?",
                    [.text(aeTitle)])
                guard let row = rows.first else { return nil }
                try database.query("DELETE FROM remote_aes WHERE ae_title = ?", [.text(aeTitle)])
                return RemoteAE(
                    aeTitle: row[0].string, host: row[1].string,
                    port: row[2] == .null ? nil : Int(row[2].int), description: row[3].string)
            }
        }
    }
}
