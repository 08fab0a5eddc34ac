import TandemJSON

/// One entry of a checkpoint's key → version map: the version `key` had when it was saved.
public struct CheckpointEntry: Sendable, Equatable {
    public var key: String
    public var version: Int64

    public init(key: String, version: Int64) {
        self.key = key
        self.version = version
    }
}

/// A checkpoint's key → version map, wherever it is kept.
///
/// A checkpoint saved since migration 15 is a mark: its `event_seq`, the session's change-log
/// head when it was saved. Every change of a row after that (a write, a merge, a branch merge, a
/// restore) goes through `Rows.store`, which stores one version more than the row had and records
/// a `state` event naming the row and that version; rows are never deleted while the session
/// lives, and no history or event of a live session is ever pruned. So the rows changed since the
/// mark are exactly those named by `state` events after it, and the version each had at the mark
/// is the first version it reached after it, less one (0: the row did not exist). Every other row
/// still has the version it had. Checkpoints saved before the migration, and imported ones, keep
/// the map itself (`row_versions`, a JSON object), which is read as it is.
enum CheckpointMap {
    /// Where one checkpoint's map is.
    enum Source {
        /// A stored JSON object of key → version.
        case stored(String)
        /// The session's change-log position: the map is derived (see above).
        case mark(Int64)

        /// The checkpoint's map as its row holds it: the stored map, or (none stored) its mark.
        init(map: String?, eventSeq: Int64) {
            self = map.map(Source.stored) ?? .mark(eventSeq)
        }
    }

    /// The rows changed after `mark`, each with the first version it reached after it (SQL: a
    /// subquery on `sid` ?1 and the mark ?2). Reads only the session's events after the mark.
    private static let changedSince = """
        SELECT row_key AS key, min(row_version) AS first FROM events
          WHERE sid = ?1 AND seq > ?2 AND kind = 'state' GROUP BY row_key
        """

    /// The session's rows whose version is not the map's, in key order (bytes), each with its
    /// current version and the map's (nil: the map has none; the row was created since). For a
    /// mark, only the rows changed since are read: the cost follows the change, not the session.
    static func differing(_ db: Database, sid: Int64, _ source: Source) throws(StoreError)
        -> [(key: String, version: Int64, mapVersion: Int64?)] {
        switch source {
        case .stored(let map):
            return try RowVersionDiff.rows(db, sid: sid, map: map)
        case .mark(let mark):
            // CROSS JOIN keeps the changes outside: each is one primary-key lookup in state_rows.
            return try db.query("""
                SELECT r.key, r.version, e.first - 1 FROM (\(changedSince)) e CROSS JOIN state_rows r
                  WHERE r.sid = ?1 AND r.key = e.key ORDER BY r.key
                """, [.integer(sid), .integer(mark)]) { row in
                let atMark = row.int(2)
                return (row.text(0), row.int(1), atMark > 0 ? atMark : nil)
            }
        }
    }

    /// Entries with keys after `after` ("" for the first), in key order (bytes): at most
    /// `limit`, and as many as `budget` holds; `more` when entries are left.
    static func page(_ db: Database, sid: Int64, _ source: Source, after: String, limit: Int,
                     budget: PageBudget) throws(StoreError) -> (entries: [CheckpointEntry], more: Bool) {
        let sql: String
        let values: [SQLValue]
        switch source {
        case .stored(let map):
            sql = "SELECT key, value FROM json_each(?1) WHERE type = 'integer' AND key > ?2 ORDER BY key LIMIT ?3"
            values = [.text(map), .text(after), .int(limit + 1)]
        case .mark(let mark):
            // The rows from `after` in key order, each with its version at the mark; the changes
            // since are gathered once per page.
            sql = """
                SELECT r.key, coalesce(e.first - 1, r.version) FROM state_rows r LEFT JOIN (\(changedSince)) e ON e.key = r.key
                  WHERE r.sid = ?1 AND r.key > ?3 AND coalesce(e.first - 1, r.version) > 0 ORDER BY r.key LIMIT ?4
                """
            values = [.integer(sid), .integer(mark), .text(after), .int(limit + 1)]
        }
        return try db.page(sql, values, limit: limit, budget: budget, size: PageBudget.size(of:)) { row in
            CheckpointEntry(key: row.text(0), version: row.int(1))
        }
    }

    /// The whole map (for an export, which carries it).
    static func all(_ db: Database, sid: Int64, _ source: Source) throws(StoreError) -> [String: Int64] {
        switch source {
        case .stored(let map):
            do { return Checkpoints.decode(try JSONValue(parsing: map)) } catch {
                throw StoreError(.sqlite, "stored JSON is unreadable: \(error)")
            }
        case .mark:
            var versions: [String: Int64] = [:]
            let (entries, _) = try page(db, sid: sid, source, after: "", limit: Int(Int32.max) - 1, budget: .unlimited)
            for entry in entries { versions[entry.key] = entry.version }
            return versions
        }
    }
}
