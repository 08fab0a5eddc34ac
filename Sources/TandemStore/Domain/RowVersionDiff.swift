/// The rows of a session whose version is not the one a stored map gives them: a checkpoint's
/// `row_versions` or a branch's `fork_rows`, JSON objects of key → version. Found in SQL, one
/// pass over the map (a key lookup each) and one over the session's keys: no row's value is read
/// and the map is never built in Swift (a restore that did both held the writer 0.9 s on a
/// session of 100,000 rows to change two of them).
enum RowVersionDiff {
    /// In key order (bytes), each with the map's version, or nil when the map has none for the key
    /// (a row created since). Keys are matched by their bytes.
    static func rows(_ db: Database, sid: Int64, map: String) throws(StoreError) -> [(key: String, version: Int64, mapVersion: Int64?)] {
        // CROSS JOIN keeps the map outside: each of its keys is one primary-key lookup in state_rows.
        try db.query("""
            SELECT r.key, r.version, j.value FROM json_each(?2) j CROSS JOIN state_rows r
              WHERE j.type = 'integer' AND r.sid = ?1 AND r.key = j.key AND r.version <> j.value
            UNION ALL
            SELECT key, version, NULL FROM state_rows
              WHERE sid = ?1 AND key NOT IN (SELECT key FROM json_each(?2) WHERE type = 'integer')
            ORDER BY 1
            """, [.integer(sid), .text(map)]) { ($0.text(0), $0.int(1), $0.optionalInt(2)) }
    }
}
