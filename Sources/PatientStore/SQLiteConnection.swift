import CSQLite
import MediaCenterCore

/// A value bound to a statement parameter or read from a result column.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// One SQLite connection. It is not thread-safe: `PatientStore` keeps it behind a mutex.
/// Every C call of this module is in this file.
final class SQLiteConnection {
    private let handle: OpaquePointer
    let path: String

    /// Opens or creates the database at `path` with `sqlite3_open_v2`, in WAL mode with full
    /// synchronisation, so that a committed transaction survives a power cut.
    init(path: String) throws {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let text = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(opened)
            throw MediaCenterError(
                .databaseFailure,
                "cannot open the database \(path); check that the data directory is writable",
                cause: "sqlite3_open_v2: \(text)")
        }
        self.handle = opened
        self.path = path
        sqlite3_busy_timeout(opened, 5000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows, with `sqlite3_exec`.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "status \(status)"
            throw failure("sqlite3_exec", text, status: status)
        }
    }

    /// Runs one statement with `parameters` bound in order, and returns every row it yields.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else {
            throw failure("sqlite3_prepare_v2", lastMessage, status: prepared)
        }
        defer { sqlite3_finalize(statement) }

        for (offset, value) in parameters.enumerated() {
            try bind(value, at: Int32(offset + 1), in: statement)
        }

        var rows: [[SQLiteValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw failure("sqlite3_step", lastMessage, status: step)
            }
            let count = sqlite3_column_count(statement)
            rows.append((0..<count).map { column(in: statement, at: $0) })
        }
        return rows
    }

    /// The rowid of the last inserted row, from `sqlite3_last_insert_rowid`.
    var lastInsertedRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// Runs `body` inside one transaction, committed when it returns and rolled back when
    /// it throws.
    /// - Parameter sync: whether the commit waits for an fsync of the write-ahead log. A
    ///   commit without it survives a crash of the process but may be lost in a power cut.
    ///   The next synced commit makes it durable too.
    func transaction<Result>(sync: Bool = true, _ body: () throws -> Result) throws -> Result {
        if sync != synchronousFull {
            try execute(sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
            synchronousFull = sync
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Whether `PRAGMA synchronous` is FULL now, as `init` sets it.
    private var synchronousFull = true

    private var lastMessage: String {
        String(cString: sqlite3_errmsg(handle))
    }

    private func failure(_ call: String, _ text: String, status: Int32) -> MediaCenterError {
        let full = status == SQLITE_FULL || status == SQLITE_IOERR
        return MediaCenterError(
            full ? .noSpace : .databaseFailure,
            full
                ? "the database \(path) cannot be written; free space on the data disk"
                : "database operation failed on \(path)",
            cause: "\(call): \(text)")
    }

    private func bind(_ value: SQLiteValue, at index: Int32, in statement: OpaquePointer) throws {
        // SQLITE_TRANSIENT makes SQLite copy the bytes before the call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let status: Int32
        switch value {
        case .integer(let number):
            status = sqlite3_bind_int64(statement, index, number)
        case .real(let number):
            status = sqlite3_bind_double(statement, index, number)
        case .text(let string):
            status = sqlite3_bind_text(statement, index, string, -1, transient)
        case .blob(let bytes):
            status = bytes.withUnsafeBytes {
                sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient)
            }
        case .null:
            status = sqlite3_bind_null(statement, index)
        }
        guard status == SQLITE_OK else {
            throw failure("sqlite3_bind", lastMessage, status: status)
        }
    }

    private func column(in statement: OpaquePointer, at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            return .text(String(cString: sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite3_column_blob(statement, index) else {
                return .blob([])
            }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }
}

extension SQLiteValue {
    var int: Int64 {
        if case .integer(let value) = self { return value }
        return 0
    }

    var double: Double {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: 0
        }
    }

    var string: String {
        if case .text(let value) = self { return value }
        return ""
    }

    var optionalString: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var bytes: [UInt8] {
        switch self {
        case .blob(let value): value
        case .text(let value): Array(value.utf8)
        default: []
        }
    }
}
