import Foundation
import MediaCenterCore

/// A remote application entity that may open associations: the access list's entry for
/// one calling AE title.
public struct RemoteAE: Sendable, Equatable, Codable {
    /// The calling AE title the peer sends, without padding.
    public var aeTitle: String
    /// The source the peer must connect from: a numeric IPv4 or IPv6 address, a subnet in
    /// CIDR notation such as 10.1.2.0/24, or a host name that resolves to the peer's address.
    public var host: String
    /// The port on which the peer itself accepts associations, for the record; nil when not
    /// given. Acceptance does not depend on it, because the peer's source port is random.
    public var port: Int?
    /// Free text for the field engineer, such as "CT scanner, room 2".
    public var description: String

    /// Makes an entry; the daemon's access control checks its fields before storing it.
    public init(aeTitle: String, host: String, port: Int? = nil, description: String = "") {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.description = description
    }
}

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
