import Foundation

/// A done collection whose spool files are still on disk: a candidate for retention.
public struct RetentionCandidate: Sendable, Equatable {
    /// The collection, which `jobs` shows as the job ID.
    public var collectionID: Int64
    /// When the collection became `done`.
    public var finishedAt: Date
    /// The sum of the recorded sizes of its spool files that are not purged yet.
    public var bytes: Int64

    /// Makes a candidate.
    public init(collectionID: Int64, finishedAt: Date, bytes: Int64) {
        self.collectionID = collectionID
        self.finishedAt = finishedAt
        self.bytes = bytes
    }
}

/// An instance row whose spool file is expected on disk: not purged by retention.
public struct RecordedSpoolFile: Sendable, Equatable {
    public var instanceID: Int64
    public var collectionID: Int64
    public var state: CollectionState
    public var path: String
}

/// An instance whose spool file was found missing by the start-up consistency check.
public struct MissingSpoolFile: Sendable, Codable, Equatable {
    public var instanceID: Int64
    /// The collection the instance belongs to, which `jobs` shows as the job ID.
    public var collectionID: Int64
    public var path: String
    /// When the check first found the file missing.
    public var since: Date
}

extension PatientStore {
    /// Adds the spool file columns to an `instances` table made before the store kept them.
    /// Retention sets `purged_at` when it removes the file. The start-up check sets
    /// `missing_since` when the file is gone without that.
    static func addSpoolFileColumns(_ connection: SQLiteConnection) throws {
        let columns = Set(
            try connection.query("PRAGMA table_info(instances)").map { $0[1].string })
        for column in ["purged_at", "missing_since"] where !columns.contains(column) {
            try connection.execute("ALTER TABLE instances ADD COLUMN \(column) REAL")
        }
    }

    // MARK: - Retention

    /// Returns the done collections that still have spool files, the longest finished
    /// first. A collection's finishing time is its last update, because `done` is final.
    public func retentionCandidates() throws -> [RetentionCandidate] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT c.id, c.updated_at, SUM(i.size) FROM collections c
                JOIN instances i ON i.collection_id = c.id
                WHERE c.state = 'done' AND i.purged_at IS NULL
                GROUP BY c.id ORDER BY c.updated_at, c.id
                """
            ).map { row in
                RetentionCandidate(
                    collectionID: row[0].int,
                    finishedAt: Date(timeIntervalSince1970: row[1].double), bytes: row[2].int)
            }
        }
    }

    /// Returns the bytes that retention could free now: the recorded sizes of the spool
    /// files of done collections that are not purged yet.
    public func reclaimableBytes() throws -> Int64 {
        try connection.withLock { database in
            try database.query(
                """
                SELECT COALESCE(SUM(i.size), 0) FROM instances i
                JOIN collections c ON c.id = i.collection_id
                WHERE c.state = 'done' AND i.purged_at IS NULL
                """
            )[0][0].int
        }
    }

    /// Marks the spool files of a done collection as purged, in one transaction, and
    /// returns the paths the caller removes afterwards. Rows, discs and history stay, so
    /// the job is still listed. A path that an unpurged row of another collection also
    /// names is left out of the result, so that file stays.
    /// - Returns: the paths to remove, and nil when the collection is not `done`, which
    ///   leaves every row as it was.
    public func markSpoolFilesPurged(
        collection id: Int64, at date: Date = Date()
    ) throws -> [String]? {
        try connection.withLock { database in
            try database.transaction {
                let state = try database.query(
                    "SELECT state FROM collections WHERE id = ?", [.integer(id)])
                guard state.first?[0].string == CollectionState.done.rawValue else {
                    return nil
                }
                let paths = try database.query(
                    """
                    SELECT i.spool_path FROM instances i
                    WHERE i.collection_id = ? AND i.purged_at IS NULL
                    AND NOT EXISTS (
                        SELECT 1 FROM instances o WHERE o.spool_path = i.spool_path
                        AND o.collection_id != i.collection_id AND o.purged_at IS NULL)
                    ORDER BY i.id
                    """,
                    [.integer(id)]
                ).map { $0[0].string }
                try database.query(
                    """
                    UPDATE instances SET purged_at = ?, missing_since = NULL
                    WHERE collection_id = ? AND purged_at IS NULL
                    """,
                    [.real(date.timeIntervalSince1970), .integer(id)])
                return paths
            }
        }
    }

    /// Returns the spool paths of purged instances that no unpurged row names, which
    /// are removed again in case a stop came between the mark and the removal.
    public func purgedSpoolPaths() throws -> [String] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT DISTINCT i.spool_path FROM instances i WHERE i.purged_at IS NOT NULL
                AND NOT EXISTS (
                    SELECT 1 FROM instances o WHERE o.spool_path = i.spool_path
                    AND o.purged_at IS NULL)
                """
            ).map { $0[0].string }
        }
    }

    /// Returns the number of instances of a collection whose spool files were purged.
    public func purgedInstanceCount(inCollection id: Int64) throws -> Int {
        try connection.withLock { database in
            Int(
                try database.query(
                    """
                    SELECT COUNT(*) FROM instances
                    WHERE collection_id = ? AND purged_at IS NOT NULL
                    """,
                    [.integer(id)]
                )[0][0].int)
        }
    }

    // MARK: - Consistency

    /// Returns every instance row whose spool file should exist, in the order recorded.
    public func recordedSpoolFiles() throws -> [RecordedSpoolFile] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT i.id, i.collection_id, c.state, i.spool_path FROM instances i
                JOIN collections c ON c.id = i.collection_id
                WHERE i.purged_at IS NULL ORDER BY i.id
                """
            ).map { row in
                RecordedSpoolFile(
                    instanceID: row[0].int, collectionID: row[1].int,
                    state: CollectionState(rawValue: row[2].string) ?? .failed,
                    path: row[3].string)
            }
        }
    }

    /// Replaces the record of missing spool files with `instanceIDs`, in one transaction.
    /// An instance that was missing before keeps its first `missing_since`, and one whose
    /// file is back loses the mark.
    public func recordMissingSpoolFiles(_ instanceIDs: [Int64], at date: Date = Date()) throws {
        try connection.withLock { database in
            try database.transaction {
                let missing = Set(instanceIDs)
                let marked = try database.query(
                    "SELECT id FROM instances WHERE missing_since IS NOT NULL"
                ).map { $0[0].int }
                for id in marked where !missing.contains(id) {
                    try database.query(
                        "UPDATE instances SET missing_since = NULL WHERE id = ?", [.integer(id)])
                }
                for id in missing {
                    try database.query(
                        """
                        UPDATE instances SET missing_since = COALESCE(missing_since, ?)
                        WHERE id = ?
                        """,
                        [.real(date.timeIntervalSince1970), .integer(id)])
                }
            }
        }
    }

    /// Returns the instances whose spool files the last consistency check found missing,
    /// by collection and then in the order recorded.
    public func missingSpoolFiles() throws -> [MissingSpoolFile] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT id, collection_id, spool_path, missing_since FROM instances
                WHERE missing_since IS NOT NULL ORDER BY collection_id, id
                """
            ).map { row in
                MissingSpoolFile(
                    instanceID: row[0].int, collectionID: row[1].int, path: row[2].string,
                    since: Date(timeIntervalSince1970: row[3].double))
            }
        }
    }
}
