import TandemJSON

/// The rows a branch starts from: the source's rows as they stood when the fork point was its
/// last turn, that is, just before the next turn was appended (the current rows when the fork
/// point is the head). Row versions come from the source's change log (`state` events); a
/// source that is itself a branch knows nothing of its rows before its own fork, so those are
/// the rows it started from, and a row the log never mentions (from an export without one) is
/// taken as it is now.
enum BranchForkRows {
    /// Copies the source's rows, with their history up to the fork, into the branch `sid` in one
    /// job (the forks' steps use `BranchForkRowSteps`; this is their reference).
    static func copy(_ db: Database, from source: Int64, to sid: Int64, at: Int64) throws(StoreError) {
        guard let versions = try versions(db, source: source, at: at) else {
            try db.run("INSERT INTO state_history SELECT ?, key, version, value, author, created_at, merged FROM state_history WHERE sid = ?",
                       [.integer(sid), .integer(source)])
            try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at, merged, nfc_key) SELECT ?, key, version, value, author, updated_at, merged, nfc_key FROM state_rows WHERE sid = ?",
                       [.integer(sid), .integer(source)])
            return
        }
        try copy(db, from: source, to: sid, map: Checkpoints.encode(versions))
    }

    /// Copies the source's rows named in `map` (key: version) at those versions, with their
    /// history up to them. A row at a given version never changes, so this may run at any time
    /// after the fork and copies the same. The map is the outer loop (`CROSS JOIN`): the planner
    /// otherwise walked the source's whole history for each step's few hundred keys.
    static func copy(_ db: Database, from source: Int64, to sid: Int64, map versions: JSONValue) throws(StoreError) {
        let map: SQLValue = .json(versions)
        try db.run("""
            INSERT INTO state_history SELECT ?1, h.key, h.version, h.value, h.author, h.created_at, h.merged
            FROM json_each(?3) j CROSS JOIN state_history h ON h.sid = ?2 AND h.key = j.key AND h.version <= j.value
            """, [.integer(sid), .integer(source), map])
        try db.run("""
            INSERT INTO state_rows(sid, key, version, value, author, updated_at, merged, nfc_key) SELECT ?1, h.key, h.version, h.value, h.author, h.created_at, h.merged, tandem_key_spelling(h.key)
            FROM json_each(?3) j CROSS JOIN state_history h ON h.sid = ?2 AND h.key = j.key AND h.version = j.value
            """, [.integer(sid), .integer(source), map])
        // A current row missing from its history (an imported document may lack it).
        try db.run("""
            INSERT OR IGNORE INTO state_rows(sid, key, version, value, author, updated_at, merged, nfc_key) SELECT ?1, r.key, r.version, r.value, r.author, r.updated_at, r.merged, r.nfc_key
            FROM json_each(?3) j CROSS JOIN state_rows r ON r.sid = ?2 AND r.key = j.key AND r.version = j.value
            """, [.integer(sid), .integer(source), map])
    }

    /// Each row's version at the fork point, or nil when that is now (no turn after the fork point).
    static func versions(_ db: Database, source: Int64, at: Int64) throws(StoreError) -> [String: Int64]? {
        guard let next = try db.scalar("SELECT event_seq FROM turns WHERE sid = ? AND seq > ? ORDER BY seq LIMIT 1",
                                       [.integer(source), .integer(at)]) else { return nil }
        return try versions(db, source: source, mark: next - 1)
    }

    /// Each row's version at change-log seq `mark` of the source.
    static func versions(_ db: Database, source: Int64, mark: Int64) throws(StoreError) -> [String: Int64] {
        let forkRows = try db.queryOne("SELECT fork_rows FROM sessions WHERE sid = ?", [.integer(source)]) {
            row throws(StoreError) in try row.json(0)
        }
        var versions = forkRows.map(Checkpoints.decode) ?? [:]
        var logged: Set<String> = []
        for (key, version) in try db.query("""
            SELECT row_key, max(CASE WHEN seq <= ?2 THEN row_version END) FROM events
            WHERE sid = ?1 AND kind = 'state' GROUP BY row_key
            """, [.integer(source), .integer(mark)], { ($0.text(0), $0.optionalInt(1)) }) {
            logged.insert(key)
            if let version { versions[key] = version }
        }
        for (key, version) in try db.query("SELECT key, version FROM state_rows WHERE sid = ?", [.integer(source)], {
            ($0.text(0), $0.int(1))
        }) where !logged.contains(key) {
            versions[key] = version
        }
        return versions
    }
}
