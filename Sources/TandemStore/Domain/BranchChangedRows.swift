import TandemJSON

/// The rows a branch changed since its fork, for its merge: each current row with the version it
/// was forked at (0: created on the branch), in key order.
///
/// Every change of a row after the fork (a write, a merge into the branch, a restore) stores one
/// version more than the row had and records a `state` event in the branch's log. The events
/// after the branch's fork mark (`fork_event_seq`, its log's head when it was published) thus
/// name exactly the rows it changed, and the first version each reached, less one, is the
/// version it was forked at: the rows the branch left alone are never read (reading them all
/// held the writer 6.7 s for a branch of 100,000 rows that changed none). A branch without the
/// mark (forked before migration 12, or imported) is compared with its `fork_rows` whole.
enum BranchChangedRows {
    struct Row {
        var key: String
        var value: JSONValue
        var author: String
        var forkVersion: Int64
    }

    /// The changed rows with keys after `after` (nil: from the first), the first `limit` of them
    /// in key byte order (a merge's step takes them a chunk at a time).
    static func load(_ db: Database, branch: Int64, forkEventSeq: Int64?, after: String? = nil,
                     limit: Int = .max) throws(StoreError) -> [Row] {
        guard let mark = forkEventSeq else {
            // Byte order, as SQLite's BINARY collation orders the keys of the other branch.
            let inBytes = { (a: String, b: String) -> Bool in a.utf8.lexicographicallyPrecedes(b.utf8) }
            let rest = try compared(db, branch: branch).filter { row in after.map { inBytes($0, row.key) } ?? true }
            return Array(rest.sorted { inBytes($0.key, $1.key) }.prefix(limit))
        }
        return try db.query("""
            SELECT r.key, r.value, r.author, e.first - 1 FROM
              (SELECT row_key AS key, min(row_version) AS first FROM events
               WHERE sid = ?1 AND seq > ?2 AND kind = 'state' AND (?3 IS NULL OR row_key > ?3)
               GROUP BY row_key ORDER BY row_key LIMIT ?4) e
            CROSS JOIN state_rows r WHERE r.sid = ?1 AND r.key = e.key ORDER BY r.key
            """, [.integer(branch), .integer(mark), .optional(after), .integer(Int64(min(limit, Int(Int64.max))))]) { row throws(StoreError) in
            Row(key: row.text(0), value: try row.json(1), author: row.text(2), forkVersion: row.int(3))
        }
    }

    /// Rows whose version is not the one `fork_rows` gives them (none given: 0).
    private static func compared(_ db: Database, branch: Int64) throws(StoreError) -> [Row] {
        let forkRows = try db.queryOne("SELECT fork_rows FROM sessions WHERE sid = ?", [.integer(branch)]) { $0.optionalText(0) }
        var rows: [Row] = []
        for (key, _, forkVersion) in try RowVersionDiff.rows(db, sid: branch, map: (forkRows ?? nil) ?? "{}") {
            guard let current = try RowRows.current(db, sid: branch, key: key) else { continue }
            rows.append(Row(key: key, value: current.value, author: current.author, forkVersion: forkVersion ?? 0))
        }
        return rows
    }
}
