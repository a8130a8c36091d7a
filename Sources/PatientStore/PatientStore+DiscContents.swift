import Foundation

/// A verified disc of a collection and the instances recorded on it.
public struct VerifiedDiscContent: Sendable, Equatable {
    /// Position in the disc set, from 1.
    public var number: Int
    /// Discs in the set.
    public var count: Int
    /// The IDs of the instances on the disc.
    public var instanceIDs: Set<Int64>
}

extension PatientStore {
    /// Returns the verified discs of a collection whose instances were recorded, oldest
    /// first. Discs recorded without their instances are left out, because nothing shows
    /// what they contain.
    public func verifiedDiscContents(ofCollection id: Int64) throws -> [VerifiedDiscContent] {
        try connection.withLock { database in
            let discs = try database.query(
                "SELECT id, number, count FROM discs WHERE collection_id = ? AND verified = 1 "
                    + "ORDER BY id",
                [.integer(id)])
            return try discs.compactMap { row in
                let instanceIDs = try database.query(
                    "SELECT instance_id FROM disc_instances WHERE disc_id = ?", [row[0]]
                ).map { $0[0].int }
                guard !instanceIDs.isEmpty else { return nil }
                return VerifiedDiscContent(
                    number: Int(row[1].int), count: Int(row[2].int),
                    instanceIDs: Set(instanceIDs))
            }
        }
    }

    /// Returns the collection that the drive named `drive` took last, from the reason its
    /// `burning` transition records, or nil when the drive never took a job.
    public func lastCollection(takenBy drive: String) throws -> Int64? {
        try connection.withLock { database in
            try database.query(
                "SELECT collection_id FROM transitions WHERE to_state = 'burning' AND reason = ? "
                    + "ORDER BY id DESC LIMIT 1",
                [.text(Self.tookJobReason(drive: drive))]
            ).first.map { $0[0].int }
        }
    }

    /// Returns the reason of the transition to `burning` when the drive named `drive` takes
    /// a job.
    public static func tookJobReason(drive: String) -> String {
        "drive \(drive) took the job"
    }
}
