import CSQLite
import TandemJSON

/// A prepared statement owned by one `Database` (and so by one thread at a time).
final class Statement {
    // Owned exclusively by this object; finalized in deinit, never shared across threads.
    let handle: OpaquePointer
    let sql: String
    unowned let database: Database

    init(database: Database, sql: String) throws(StoreError) {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw database.error(rc, context: "prepare \(sql.prefix(80))")
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        for (i, value) in values.enumerated() {
            try bind(value, at: Int32(i + 1))
        }
    }

    func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        switch value {
        case .null: try check(sqlite3_bind_null(handle, index))
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try check(sqlite3_bind_double(handle, index, v))
        case .text(let s): try bind(s, at: index)
        case .blob(let bytes):
            try check(bytes.withUnsafeBytes { buffer in
                // Safe: copied by SQLite (TRANSIENT) while `buffer` is valid.
                sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count), tandem_sqlite_transient())
            })
        }
    }

    /// Typed binds without the `SQLValue` array, for hot paths.
    func bind(_ value: Int64, at index: Int32) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: String, at index: Int32) throws(StoreError) {
        var s = value
        try check(s.withUTF8 { buffer -> Int32 in
            // Safe: explicit length keeps embedded NULs; SQLITE_TRANSIENT copies the bytes while
            // `buffer` is valid. An empty string still needs a non-nil pointer (nil means NULL).
            guard let base = buffer.baseAddress else {
                return sqlite3_bind_text(handle, index, "", 0, tandem_sqlite_transient())
            }
            return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                sqlite3_bind_text(handle, index, $0, Int32(buffer.count), tandem_sqlite_transient())
            }
        })
    }

    /// Binds a literal's text without copying it (SQLITE_STATIC).
    func bind(_ value: StaticString, at index: Int32) throws(StoreError) {
        // Safe: a literal's bytes live as long as the process, so SQLite may keep the pointer.
        let text = UnsafeRawPointer(value.utf8Start).assumingMemoryBound(to: CChar.self)
        try check(sqlite3_bind_text(handle, index, text, Int32(value.utf8CodeUnitCount), tandem_sqlite_static()))
    }

    private func check(_ rc: Int32) throws(StoreError) {
        guard rc == SQLITE_OK else { throw database.error(rc, context: "bind") }
    }

    /// Steps once; `true` when a row is available.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc, context: "step \(sql.prefix(80))")
        }
    }

    /// Makes the statement ready to run again. `clearingBindings: false` keeps the values bound
    /// (and the copies SQLite made of bound text) until they are bound again: for a statement whose
    /// every run binds every parameter, clearing them first is work for nothing (~580 instructions
    /// for the turn insert's twelve).
    func reset(clearingBindings: Bool = true) {
        database.virtualMachineSteps += Int64(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_VM_STEP, 1))
        sqlite3_reset(handle)
        if clearingBindings { sqlite3_clear_bindings(handle) }
    }
}

/// The current row of a stepping statement. Valid only inside the closure that receives it.
public struct Row {
    // Borrowed from the Statement that is mid-step; the Row never outlives the closure.
    let handle: OpaquePointer

    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    public func int(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    public func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    public func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }

    public func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(handle, i) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, i))
        // Safe: the pointer is valid until the next step/reset; we copy the bytes right away.
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    public func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }

    public func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, i))
        guard n > 0, let p = sqlite3_column_blob(handle, i) else { return [] }
        // Safe: valid until the next step/reset (the database is UTF-8: column_bytes converts nothing under it); copied into an array immediately.
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// A JSON column. Stored JSON was written by us, so a parse failure means corruption.
    public func json(_ i: Int32) throws(StoreError) -> JSONValue {
        let n = Int(sqlite3_column_bytes(handle, i))
        guard let p = sqlite3_column_text(handle, i) else { return .null }
        do {
            // Safe: valid until the next step/reset (the database is UTF-8: column_bytes converts nothing under it); parsed (copied) right away.
            return try JSONValue(parsing: UnsafeRawBufferPointer(start: p, count: n), maxDepth: 512)
        } catch {
            throw StoreError(.sqlite, "stored JSON is unreadable: \(error)")
        }
    }
}
