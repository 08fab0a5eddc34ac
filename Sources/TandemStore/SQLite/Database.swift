import CSQLite
import Foundation

/// How hard a commit waits for the disk.
public enum SynchronousMode: String, Sendable {
    /// WAL + NORMAL: a commit survives a process crash (kill -9); a power loss or OS crash may
    /// lose the last few commits (never corrupts). The default.
    case normal = "NORMAL"
    /// WAL + FULL: every commit fsyncs the WAL; survives power loss too, at the cost of an fsync
    /// per group commit.
    case full = "FULL"
}

/// One SQLite connection with a prepared-statement cache.
///
/// Not thread-safe by design: exactly one owner (the writer thread, or a reader checked out of the
/// pool) uses it at a time.
public final class Database {
    // The connection is used by one thread at a time (the owner), closed by `close()` or deinit.
    let handle: OpaquePointer
    /// False once `close()` has run: every call that would reach SQLite then throws `closed`.
    private(set) var isOpen = true
    public let path: String
    private var cache: [String: Statement] = [:]
    /// Hot-path statements by their literal's address: no hashing of the SQL text per call.
    // Safe: keys are StaticString literals' addresses, used only as identities and never read; literals live as long as the process
    private var literalCache: [UnsafeRawPointer: Statement] = [:]
    /// Statements of many rows (`ValuesStatement`), one per head and row count.
    private var valuesCache: [ValuesStatementKey: Statement] = [:]
    private var savepointCounter = 0
    /// SQLite virtual-machine steps run by this connection's statements so far (each statement's
    /// are added when it is reset; `execute` is not counted). A measure of work that no clock
    /// disturbs: tests tell an operation whose cost grows with a table from one that does not.
    var virtualMachineSteps: Int64 = 0
    /// On the writer's connection only: the sessions a merge under way holds, which session
    /// lookups refuse (`SessionHolds`); nil on readers, which are never held.
    var sessionHolds: SessionHolds?
    /// The busy handler's state (see `waitWhileBusy`).
    private let busy: BusyWait
    /// Times this connection waited (1 ms each) for another connection's write lock so far: on
    /// the writer's connection, a sign that another process writes to the file (`WriterActivity`).
    var busyRetries: Int { busy.retries }

    /// Process-wide SQLite settings, applied once before the first connection opens (a later call
    /// is refused by SQLite harmlessly).
    private static let processSetup: Void = { _ = tandem_sqlite_disable_memstatus() }()

    /// Opens (creating if needed) a database. `readOnly` connections set `query_only`.
    /// `requireWritable` refuses a file this process can only read, saying so.
    public init(path: String, readOnly: Bool = false, requireWritable: Bool = false, synchronous: SynchronousMode = .normal,
                busyTimeoutMilliseconds: Int32 = 5_000, cacheBytes: Int = 64 << 20) throws(StoreError) {
        _ = Database.processSetup
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        if readOnly { flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            let reason = rc == SQLITE_CANTOPEN ? OpenFailureReason.explain(path).map { ": " + $0 } ?? "" : ""
            throw StoreError(.sqlite, "cannot open \(path): \(message)\(reason)", sqliteCode: rc)
        }
        if requireWritable && sqlite3_db_readonly(db, "main") == 1 {
            sqlite3_close_v2(db)
            throw StoreError(.sqlite, """
                the database \(path) can be read but not written by this process (uid \(getuid())): make the file, \
                the -wal and -shm files beside it, and its directory writable by the user the server runs as
                """, sqliteCode: SQLITE_READONLY)
        }
        self.handle = db
        self.path = path
        busy = BusyWait(limit: Int(max(0, busyTimeoutMilliseconds)))
        sqlite3_extended_result_codes(db, 1)
        Database.waitWhileBusy(db, busy)
        let isMemory = path == ":memory:" || path.contains("mode=memory")
        if !readOnly && !isMemory {
            try execute("PRAGMA journal_mode=WAL")
        }
        try execute("PRAGMA synchronous=\(synchronous.rawValue)")
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA temp_store=MEMORY")
        try setCacheSize(cacheBytes)
        try registerFunctions()
    }

    /// When another connection holds the lock, retries every millisecond for (at least) `limit`
    /// ms before giving up with BUSY. SQLite's own busy timeout sleeps up to 100 ms between
    /// retries: a writer that releases the lock between short transactions (a delete's steps in
    /// `tandem-admin`) would then leave gaps a waiting server keeps missing.
    private static func waitWhileBusy(_ db: OpaquePointer, _ busy: BusyWait) {
        // Safe: unretained, as the Database keeps `busy` as long as the handle, and SQLite calls
        // the handler only inside a call on this connection, made by its one owner thread.
        sqlite3_busy_handler(db, { context, tries in
            guard let context else { return 0 }
            let busy = Unmanaged<BusyWait>.fromOpaque(context).takeUnretainedValue()
            guard Int(tries) < busy.limit else { return 0 }
            busy.retries += 1
            usleep(1_000)
            return 1
        }, Unmanaged.passUnretained(busy).toOpaque())
    }

    /// Sets the page cache `schema` may hold, at most (`main`, or an attached schema).
    func setCacheSize(_ bytes: Int, schema: String = "main") throws(StoreError) {
        // A negative cache_size is in KiB.
        try execute("PRAGMA \(schema).cache_size=-\(max(1, bytes >> 10))")
    }

    /// Closes the connection now (idempotent); calls on it afterwards throw `closed`. A store's
    /// threads keep their owner alive until they have exited, after their `stop()` returned: left
    /// to deinit, their connections closed then, on those threads, and the last one's close
    /// (a checkpoint and the WAL's removal, under an exclusive lock) made an open that came
    /// meanwhile fail "database is locked" where it had no busy timeout.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        cache.removeAll()
        literalCache.removeAll()
        valuesCache.removeAll()
        sqlite3_close_v2(handle)
    }

    deinit { close() }

    private func ensureOpen() throws(StoreError) {
        guard isOpen else { throw StoreError(.closed, "the database connection to \(path) is closed") }
    }

    func error(_ rc: Int32, context: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        return StoreError(.sqlite, "\(context): \(message) (\(rc))", sqliteCode: rc)
    }

    /// Rows changed by every statement since the connection opened (FTS5 reports the pages a
    /// `merge` command wrote through it).
    var totalChanges: Int64 { isOpen ? sqlite3_total_changes64(handle) : 0 }

    /// Runs one or more statements without parameters or results.
    public func execute(_ sql: String) throws(StoreError) {
        try ensureOpen()
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, context: "exec \(sql.prefix(80))") }
    }

    private func statement(_ sql: String) throws(StoreError) -> Statement {
        // A cached statement means an open connection: `close()` empties the cache.
        if let cached = cache[sql] { return cached }
        try ensureOpen()
        let stmt = try Statement(database: self, sql: sql)
        cache[sql] = stmt
        return stmt
    }

    /// Runs a statement that returns no rows; returns the number of changed rows.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        try stmt.bind(values)
        while try stmt.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs a cached statement that `bind` binds by hand (typed, no value array); returns the
    /// number of changed rows. For hot paths: the statement is found by the literal's address.
    /// `bindsEveryParameter`: `bind` binds each of the statement's parameters on every run, so the
    /// values of the last run need no clearing (`Statement.reset(clearingBindings:)`).
    @discardableResult
    func run(_ sql: StaticString, bindsEveryParameter: Bool = false,
             bind: (Statement) throws(StoreError) -> Void) throws(StoreError) -> Int {
        // Safe: used only as an identity, never read; a literal's storage lives as long
        // as the process.
        let stmt: Statement
        // Safe: the address is only a key, as above
        if let cached = literalCache[UnsafeRawPointer(sql.utf8Start)] {
            // Open: `close()` empties the cache, so a closed connection never gets here.
            stmt = cached
        } else {
            try ensureOpen()
            stmt = try Statement(database: self, sql: sql.description)
            literalCache[UnsafeRawPointer(sql.utf8Start)] = stmt
        }
        defer { stmt.reset(clearingBindings: !bindsEveryParameter) }
        try bind(stmt)
        while try stmt.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs `statement` for `rows` rows, whose parameters `bind` binds by hand (at
    /// `ValuesStatement.index`); prepared once per row count.
    func run(_ statement: ValuesStatement, rows: Int, bind: (Statement) throws(StoreError) -> Void) throws(StoreError) {
        // Safe: the literals' addresses are identities only, never read (a literal lives as long as the process).
        let key = ValuesStatementKey(head: UnsafeRawPointer(statement.head.utf8Start),
                                     tail: UnsafeRawPointer(statement.tail.utf8Start), rows: rows)
        let stmt: Statement
        if let cached = valuesCache[key] {
            // Open: `close()` empties the cache, so a closed connection never gets here.
            stmt = cached
        } else {
            try ensureOpen()
            stmt = try Statement(database: self, sql: statement.sql(rows: rows))
            valuesCache[key] = stmt
        }
        defer { stmt.reset() }
        try bind(stmt)
        while try stmt.step() {}
    }

    /// Runs a query, mapping each row.
    public func query<T>(_ sql: String, _ values: [SQLValue] = [],
                         _ map: (Row) throws(StoreError) -> T) throws(StoreError) -> [T] {
        var out: [T] = []
        try forEach(sql, values) { row throws(StoreError) in out.append(try map(row)) }
        return out
    }

    /// Runs a query, handing each row to `body` as it is stepped: for results too big to collect.
    /// `body` must not run this same SQL again (the statement is cached and in use).
    public func forEach(_ sql: String, _ values: [SQLValue] = [],
                        _ body: (Row) throws(StoreError) -> Void) throws(StoreError) {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        try stmt.bind(values)
        while try stmt.step() { try body(Row(handle: stmt.handle)) }
    }

    /// Like `forEach`, stopping as soon as `body` returns false (the rest is never read).
    public func forEachWhile(_ sql: String, _ values: [SQLValue] = [],
                             _ body: (Row) throws(StoreError) -> Bool) throws(StoreError) {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        try stmt.bind(values)
        while try stmt.step() {
            if !(try body(Row(handle: stmt.handle))) { return }
        }
    }

    /// The first row mapped, or nil.
    public func queryOne<T>(_ sql: String, _ values: [SQLValue] = [],
                            _ map: (Row) throws(StoreError) -> T) throws(StoreError) -> T? {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        try stmt.bind(values)
        guard try stmt.step() else { return nil }
        return try map(Row(handle: stmt.handle))
    }

    /// A single integer result (e.g. `SELECT count(*)`), or nil when there is no row / NULL.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int64? {
        try queryOne(sql, values) { $0.optionalInt(0) } ?? nil
    }

    public var lastInsertRowID: Int64 { isOpen ? sqlite3_last_insert_rowid(handle) : 0 }
    public var isInTransaction: Bool { isOpen && sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE), or in a savepoint when one is already open.
    /// `immediate: false` begins a deferred transaction instead: with attached databases,
    /// IMMEDIATE takes every one's write lock, deferred only those `body` writes to.
    public func transaction<T>(immediate: Bool = true, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if isInTransaction { return try savepoint(body) }
        try run(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            if isInTransaction { _ = try? run("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` inside a SAVEPOINT: on error only its changes roll back.
    public func savepoint<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        savepointCounter += 1
        let name = "sp\(savepointCounter)"
        defer { savepointCounter -= 1 }
        try run("SAVEPOINT \(name)")
        do {
            let value = try body()
            try run("RELEASE \(name)")
            return value
        } catch {
            _ = try? run("ROLLBACK TO \(name)")
            _ = try? run("RELEASE \(name)")
            throw error
        }
    }

    /// Copies the whole database to `destinationPath` with the online backup API, in one step: one
    /// read snapshot for the whole copy. In steps, SQLite starts the copy over whenever another
    /// connection commits between two of them, so under a steady stream of posts (tandemd running)
    /// a backup of a 147 MB database had not finished after 10 minutes. In WAL mode the snapshot
    /// blocks no writer; the WAL only grows meanwhile.
    public func backup(to destinationPath: String) throws(StoreError) {
        try ensureOpen()
        var dest: OpaquePointer?
        let rc = sqlite3_open_v2(destinationPath, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        defer { sqlite3_close_v2(dest) }
        guard rc == SQLITE_OK, let dest else {
            let reason = rc == SQLITE_CANTOPEN ? OpenFailureReason.explain(destinationPath).map { ": " + $0 } ?? "" : ""
            throw StoreError(.sqlite, "cannot open backup destination \(destinationPath)\(reason)", sqliteCode: rc)
        }
        guard let backup = sqlite3_backup_init(dest, "main", handle, "main") else {
            throw StoreError(.sqlite, "backup init: \(String(cString: sqlite3_errmsg(dest)))",
                             sqliteCode: sqlite3_errcode(dest))
        }
        var step = SQLITE_BUSY
        while step == SQLITE_BUSY || step == SQLITE_LOCKED {
            step = sqlite3_backup_step(backup, -1)
            if step == SQLITE_BUSY || step == SQLITE_LOCKED { sqlite3_sleep(5) }
        }
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE, finish == SQLITE_OK else {
            throw StoreError(.sqlite, "backup failed: \(String(cString: sqlite3_errmsg(dest)))", sqliteCode: step)
        }
    }

    /// `PRAGMA integrity_check` result lines ("ok" when healthy).
    public func integrityCheck() throws(StoreError) -> [String] {
        try query("PRAGMA integrity_check") { $0.text(0) }
    }
}

/// A connection's busy handler's limit (retries of 1 ms) and count of retries so far. Used only
/// inside calls on its connection, by the connection's one owner thread.
private final class BusyWait {
    let limit: Int
    var retries = 0

    init(limit: Int) { self.limit = limit }
}
