import Foundation
import MediaCenterCore
import Synchronization

/// Patient collections, their instances, discs and state history, in SQLite.
///
/// Instances are grouped per patient by the bytes of Patient's Name and Patient ID. An
/// instance joins the patient's collection only while that collection is `receiving`.
/// Once a collection is finished, the next instance for the same patient opens a new one,
/// so nothing is ever added to a disc in progress.
public final class PatientStore: Sendable {
    /// The one connection, shared by every method of the store and its extensions.
    let connection: Mutex<SQLiteConnection>

    /// The database file.
    public let path: String

    /// Opens or creates the database at `path` and its tables.
    public init(path: String) throws {
        let connection = try SQLiteConnection(path: path)
        try connection.execute(PatientStore.schema)
        try Self.addProfileColumn(connection)
        try Self.addSpoolFileColumns(connection)
        self.connection = Mutex(connection)
        self.path = path
    }

    private static let schema = """
        CREATE TABLE IF NOT EXISTS collections (
            id INTEGER PRIMARY KEY,
            patient_name_bytes BLOB NOT NULL,
            patient_name TEXT NOT NULL,
            patient_id TEXT NOT NULL,
            patient_id_generated INTEGER NOT NULL,
            state TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            last_instance_at REAL NOT NULL,
            failure_reason TEXT
        );
        CREATE INDEX IF NOT EXISTS collections_by_state ON collections (state);
        CREATE TABLE IF NOT EXISTS instances (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES collections (id),
            spool_path TEXT NOT NULL,
            size INTEGER NOT NULL,
            sop_class_uid TEXT NOT NULL,
            sop_instance_uid TEXT NOT NULL,
            transfer_syntax_uid TEXT NOT NULL,
            study_instance_uid TEXT NOT NULL,
            series_instance_uid TEXT NOT NULL,
            calling_ae TEXT NOT NULL,
            received_at REAL NOT NULL,
            UNIQUE (collection_id, sop_instance_uid)
        );
        CREATE INDEX IF NOT EXISTS instances_by_sop_instance ON instances (sop_instance_uid);
        CREATE TABLE IF NOT EXISTS discs (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES collections (id),
            number INTEGER NOT NULL,
            count INTEGER NOT NULL,
            path TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            md5 TEXT NOT NULL,
            verified INTEGER NOT NULL,
            drive TEXT NOT NULL,
            written_at REAL NOT NULL,
            profile TEXT
        );
        CREATE TABLE IF NOT EXISTS disc_instances (
            disc_id INTEGER NOT NULL REFERENCES discs (id),
            instance_id INTEGER NOT NULL REFERENCES instances (id),
            PRIMARY KEY (disc_id, instance_id)
        );
        CREATE TABLE IF NOT EXISTS rejects (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES collections (id),
            number INTEGER NOT NULL,
            reason TEXT NOT NULL,
            path TEXT,
            drive TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS remote_aes (
            ae_title TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            port INTEGER,
            description TEXT NOT NULL,
            added_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS transitions (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES collections (id),
            from_state TEXT,
            to_state TEXT NOT NULL,
            reason TEXT NOT NULL,
            at REAL NOT NULL
        );
        """

    /// Adds the `profile` column to a `discs` table made before the store kept it. The
    /// discs recorded before keep NULL there.
    private static func addProfileColumn(_ connection: SQLiteConnection) throws {
        let columns = try connection.query("PRAGMA table_info(discs)")
        guard !columns.contains(where: { $0[1].string == "profile" }) else { return }
        try connection.execute("ALTER TABLE discs ADD COLUMN profile TEXT")
    }

    // MARK: - Receiving

    /// Records an instance that is already durable in the spool, in one transaction. The
    /// instance joins the receiving collection of its patient, or opens a new one. A second
    /// copy of a SOP Instance UID replaces the first when that is in a receiving collection,
    /// its own or another patient's (a resend with corrected patient data), so that no two
    /// receiving collections hold one instance. A receiving collection left empty by this
    /// is removed with its history. A copy in a collection that is no longer receiving stays,
    /// because its disc is being made or is made.
    /// - Parameter sync: whether the commit waits for an fsync. Without it, a power cut may
    ///   lose the row, so the caller must be able to record the spool file again.
    public func record(_ instance: IncomingInstance, sync: Bool = true) throws -> RecordOutcome {
        try connection.withLock { database in
            try database.transaction(sync: sync) {
                let now = instance.receivedAt.timeIntervalSince1970
                let found = try database.query(
                    """
                    SELECT id FROM collections
                    WHERE state = 'receiving' AND patient_name_bytes = ? AND patient_id = ?
                    ORDER BY id DESC LIMIT 1
                    """,
                    [.blob(instance.patientNameBytes), .text(instance.patientID)])

                let collectionID: Int64
                let opened = found.isEmpty
                if let row = found.first {
                    collectionID = row[0].int
                    try database.query(
                        "UPDATE collections SET last_instance_at = ?, updated_at = ? WHERE id = ?",
                        [.real(now), .real(now), .integer(collectionID)])
                } else {
                    try database.query(
                        """
                        INSERT INTO collections (patient_name_bytes, patient_name, patient_id,
                            patient_id_generated, state, created_at, updated_at, last_instance_at)
                        VALUES (?, ?, ?, ?, 'receiving', ?, ?, ?)
                        """,
                        [
                            .blob(instance.patientNameBytes), .text(instance.patientName),
                            .text(instance.patientID),
                            .integer(instance.patientIDGenerated ? 1 : 0),
                            .real(now), .real(now), .real(now),
                        ])
                    collectionID = database.lastInsertedRowID
                    try insertTransition(
                        database, collectionID, from: nil, to: .receiving,
                        reason: "first instance received", at: now)
                }

                let earlier = try database.query(
                    """
                    SELECT spool_path FROM instances
                    WHERE collection_id = ? AND sop_instance_uid = ?
                    """,
                    [.integer(collectionID), .text(instance.sopInstanceUID)])
                let moved = try removeCopiesInOtherReceivingCollections(
                    database, sopInstanceUID: instance.sopInstanceUID, keeping: collectionID)
                try database.query(
                    """
                    INSERT INTO instances (collection_id, spool_path, size, sop_class_uid,
                        sop_instance_uid, transfer_syntax_uid, study_instance_uid,
                        series_instance_uid, calling_ae, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (collection_id, sop_instance_uid) DO UPDATE SET
                        spool_path = excluded.spool_path, size = excluded.size,
                        sop_class_uid = excluded.sop_class_uid,
                        transfer_syntax_uid = excluded.transfer_syntax_uid,
                        study_instance_uid = excluded.study_instance_uid,
                        series_instance_uid = excluded.series_instance_uid,
                        calling_ae = excluded.calling_ae, received_at = excluded.received_at
                    """,
                    [
                        .integer(collectionID), .text(instance.spoolPath), .integer(instance.size),
                        .text(instance.sopClassUID), .text(instance.sopInstanceUID),
                        .text(instance.transferSyntaxUID), .text(instance.studyInstanceUID),
                        .text(instance.seriesInstanceUID), .text(instance.callingAETitle),
                        .real(now),
                    ])
                let replaced = earlier.first?[0].string ?? moved?.spoolPath
                return RecordOutcome(
                    collectionID: collectionID, openedCollection: opened,
                    replacedSpoolPath: replaced == instance.spoolPath ? nil : replaced,
                    replacedInCollection: moved?.collectionID,
                    removedEmptyCollection: moved?.removedCollection ?? false)
            }
        }
    }

    /// Deletes the rows of `sopInstanceUID` in receiving collections other than `kept`, and
    /// each such collection that is left empty. Returns the last copy found, if any.
    private func removeCopiesInOtherReceivingCollections(
        _ database: SQLiteConnection, sopInstanceUID: String, keeping kept: Int64
    ) throws -> (spoolPath: String, collectionID: Int64, removedCollection: Bool)? {
        let copies = try database.query(
            """
            SELECT i.id, i.spool_path, i.collection_id FROM instances i
            JOIN collections c ON c.id = i.collection_id
            WHERE i.sop_instance_uid = ? AND c.state = 'receiving' AND c.id != ?
            """,
            [.text(sopInstanceUID), .integer(kept)])
        var last: (spoolPath: String, collectionID: Int64, removedCollection: Bool)?
        for copy in copies {
            let collection = copy[2].int
            try database.query("DELETE FROM instances WHERE id = ?", [.integer(copy[0].int)])
            let left = try database.query(
                "SELECT COUNT(*) FROM instances WHERE collection_id = ?", [.integer(collection)])
            let empty = left[0][0].int == 0
            if empty {
                try database.query(
                    "DELETE FROM transitions WHERE collection_id = ?", [.integer(collection)])
                try database.query("DELETE FROM collections WHERE id = ?", [.integer(collection)])
            }
            last = (copy[1].string, collection, empty)
        }
        return last
    }

    // MARK: - Reading

    /// Returns every collection, oldest first, with its discs.
    public func collections() throws -> [CollectionRecord] {
        try connection.withLock { database in
            try readCollections(database, where: "1 = 1", [])
        }
    }

    /// Returns the collection with `id`, or nil.
    public func collection(id: Int64) throws -> CollectionRecord? {
        try connection.withLock { database in
            try readCollections(database, where: "c.id = ?", [.integer(id)]).first
        }
    }

    /// Returns the instances of a collection in the order they arrived.
    public func instances(inCollection id: Int64) throws -> [StoredInstance] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT id, spool_path, size, sop_class_uid, sop_instance_uid, transfer_syntax_uid,
                    study_instance_uid, series_instance_uid
                FROM instances WHERE collection_id = ? ORDER BY id
                """,
                [.integer(id)]
            ).map { row in
                StoredInstance(
                    id: row[0].int, spoolPath: row[1].string, size: row[2].int,
                    sopClassUID: row[3].string, sopInstanceUID: row[4].string,
                    transferSyntaxUID: row[5].string, studyInstanceUID: row[6].string,
                    seriesInstanceUID: row[7].string)
            }
        }
    }

    /// Returns the spool path of every recorded instance.
    public func recordedSpoolPaths() throws -> Set<String> {
        try connection.withLock { database in
            Set(try database.query("SELECT spool_path FROM instances").map { $0[0].string })
        }
    }

    /// Returns the IDs of collections in `state`, oldest first.
    public func collectionIDs(in state: CollectionState) throws -> [Int64] {
        try connection.withLock { database in
            try database.query(
                "SELECT id FROM collections WHERE state = ? ORDER BY id", [.text(state.rawValue)]
            ).map { $0[0].int }
        }
    }

    /// Returns the IDs of receiving collections whose last instance arrived before `cutoff`.
    public func receivingCollectionIDs(idleSince cutoff: Date) throws -> [Int64] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT id FROM collections WHERE state = 'receiving' AND last_instance_at < ?
                ORDER BY id
                """,
                [.real(cutoff.timeIntervalSince1970)]
            ).map { $0[0].int }
        }
    }

    /// Returns the IDs of receiving collections whose Patient ID is `patientID`.
    public func receivingCollectionIDs(patientID: String) throws -> [Int64] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT id FROM collections WHERE state = 'receiving' AND patient_id = ?
                ORDER BY id
                """,
                [.text(patientID)]
            ).map { $0[0].int }
        }
    }

    /// Returns the recorded state changes of a collection, oldest first.
    public func transitions(ofCollection id: Int64) throws -> [TransitionRecord] {
        try connection.withLock { database in
            try database.query(
                """
                SELECT from_state, to_state, reason, at FROM transitions
                WHERE collection_id = ? ORDER BY id
                """,
                [.integer(id)]
            ).map { row in
                TransitionRecord(
                    from: row[0].optionalString.flatMap(CollectionState.init(rawValue:)),
                    to: CollectionState(rawValue: row[1].string) ?? .failed,
                    reason: row[2].string, at: Date(timeIntervalSince1970: row[3].double))
            }
        }
    }

    // MARK: - Changing state

    /// Moves a collection from `expected` to `next` and records why.
    /// - Returns: false when the collection was no longer in `expected` (another caller
    ///   moved it first), so nothing changed.
    /// - Precondition: `expected.allowsTransition(to: next)`.
    @discardableResult
    public func transition(
        collection id: Int64, from expected: CollectionState, to next: CollectionState,
        reason: String, failureReason: String? = nil, at date: Date = Date()
    ) throws -> Bool {
        precondition(
            expected.allowsTransition(to: next),
            "impossible collection transition \(expected) -> \(next)")
        return try connection.withLock { database in
            try database.transaction {
                let now = date.timeIntervalSince1970
                try database.query(
                    """
                    UPDATE collections SET state = ?, updated_at = ?, failure_reason = ?
                    WHERE id = ? AND state = ?
                    """,
                    [
                        .text(next.rawValue), .real(now),
                        failureReason.map(SQLiteValue.text) ?? .null, .integer(id),
                        .text(expected.rawValue),
                    ])
                let changed = try database.query("SELECT changes()")[0][0].int
                guard changed == 1 else { return false }
                try insertTransition(
                    database, id, from: expected, to: next, reason: reason, at: now)
                return true
            }
        }
    }

    /// Records a written disc of a collection and, when given, the IDs of the instances on
    /// it, so that a job run again can tell which verified discs it may keep.
    public func addDisc(
        _ disc: DiscRecord, instanceIDs: [Int64] = [], toCollection id: Int64,
        at date: Date = Date()
    ) throws {
        try connection.withLock { database in
            try database.transaction {
                try database.query(
                    """
                    INSERT INTO discs (collection_id, number, count, path, bytes, md5, verified,
                        drive, written_at, profile)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(id), .integer(Int64(disc.number)), .integer(Int64(disc.count)),
                        .text(disc.path), .integer(disc.bytes), .text(disc.md5),
                        .integer(disc.verified ? 1 : 0), .text(disc.drive),
                        .real(date.timeIntervalSince1970),
                        disc.profile.map { .text($0) } ?? .null,
                    ])
                let discID = try database.query("SELECT last_insert_rowid()")[0][0].int
                for instanceID in instanceIDs {
                    try database.query(
                        "INSERT OR IGNORE INTO disc_instances (disc_id, instance_id) VALUES (?, ?)",
                        [.integer(discID), .integer(instanceID)])
                }
            }
        }
    }

    /// Records a disc that was rejected while it was to become disc `reject.number` of a
    /// collection. The collection's state does not change, because the job goes on with
    /// the next blank.
    public func addReject(_ reject: RejectRecord, toCollection id: Int64) throws {
        _ = try connection.withLock { database in
            try database.query(
                """
                INSERT INTO rejects (collection_id, number, reason, path, drive, at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(id), .integer(Int64(reject.number)), .text(reject.reason),
                    reject.path.map(SQLiteValue.text) ?? .null, .text(reject.drive),
                    .real(reject.at.timeIntervalSince1970),
                ])
        }
    }

    // MARK: - Private

    private func insertTransition(
        _ database: SQLiteConnection, _ id: Int64, from: CollectionState?, to: CollectionState,
        reason: String, at time: Double
    ) throws {
        try database.query(
            """
            INSERT INTO transitions (collection_id, from_state, to_state, reason, at)
            VALUES (?, ?, ?, ?, ?)
            """,
            [
                .integer(id), from.map { .text($0.rawValue) } ?? .null, .text(to.rawValue),
                .text(reason), .real(time),
            ])
    }

    private func readCollections(
        _ database: SQLiteConnection, where condition: String, _ parameters: [SQLiteValue]
    ) throws -> [CollectionRecord] {
        let rows = try database.query(
            """
            SELECT c.id, c.patient_name, c.patient_id, c.patient_id_generated, c.state,
                c.created_at, c.updated_at, c.last_instance_at, c.failure_reason,
                (SELECT COUNT(*) FROM instances i WHERE i.collection_id = c.id),
                (SELECT COALESCE(SUM(size), 0) FROM instances i WHERE i.collection_id = c.id)
            FROM collections c WHERE \(condition) ORDER BY c.id
            """,
            parameters)
        return try rows.map { row in
            let id = row[0].int
            let discs = try database.query(
                """
                SELECT number, count, path, bytes, md5, verified, drive, profile FROM discs
                WHERE collection_id = ? ORDER BY id
                """,
                [.integer(id)]
            ).map { disc in
                DiscRecord(
                    number: Int(disc[0].int), count: Int(disc[1].int), path: disc[2].string,
                    bytes: disc[3].int, md5: disc[4].string, verified: disc[5].int != 0,
                    drive: disc[6].string, profile: disc[7].optionalString)
            }
            let rejects = try database.query(
                """
                SELECT number, reason, path, drive, at FROM rejects
                WHERE collection_id = ? ORDER BY id
                """,
                [.integer(id)]
            ).map { reject in
                RejectRecord(
                    number: Int(reject[0].int), reason: reject[1].string,
                    path: reject[2].optionalString, drive: reject[3].string,
                    at: Date(timeIntervalSince1970: reject[4].double))
            }
            return CollectionRecord(
                id: id, patientName: row[1].string, patientID: row[2].string,
                patientIDGenerated: row[3].int != 0,
                state: CollectionState(rawValue: row[4].string) ?? .failed,
                instances: Int(row[9].int), bytes: row[10].int,
                createdAt: Date(timeIntervalSince1970: row[5].double),
                updatedAt: Date(timeIntervalSince1970: row[6].double),
                lastInstanceAt: Date(timeIntervalSince1970: row[7].double),
                failureReason: row[8].optionalString, discs: discs, rejects: rejects)
        }
    }
}
