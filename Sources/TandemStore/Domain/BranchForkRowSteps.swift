import TandemJSON

/// A fork's rows copied in steps, at a mark fixed when the fork began (`BranchCopy.Plan.rowMark`),
/// so that the copy never holds the writer for long (one job copied 10^5 rows in 482-657 ms).
///
/// The rows are `BranchForkRows`' (each row's version at the mark, from the source's change log),
/// found by reading on a reader: first the source's current rows (for rows the log never mentions),
/// then its whole log. Both read in chunks; the log at or before the mark never changes, and a row
/// the log never mentioned when the log read ended has not been written since its read, so edits
/// to the source after the mark, even during the copy, do not reach the branch. The rows are then
/// copied `rows` keys a step (history, current row, the `state` event the branch's log gives each),
/// in key order, numbered after the copied turns as the one-job copy numbers them.
enum BranchForkRowSteps {
    /// What the row steps leave for `BranchCopy.publish`.
    struct Copied: Sendable {
        /// The branch's rows and versions (its `fork_rows`), encoded.
        var forkRows: JSONValue
        /// How many `state` events the steps gave the branch.
        var events: Int64
    }

    /// Each row's version at the mark, read in chunks of `chunk` on readers.
    static func versions(_ store: Store, source: Int64, mark: Int64, chunk: Int) throws(StoreError) -> [String: Int64] {
        var current: [String: Int64] = [:]
        var lastKey = ""
        var first = true
        while true {
            let after = lastKey, isFirst = first
            // Two statements, so that each walks the (sid, key) index from where the last stopped.
            let sql = isFirst ? "SELECT key, version FROM state_rows WHERE sid = ?1 AND ?2 = ?2 ORDER BY key LIMIT ?3"
                              : "SELECT key, version FROM state_rows WHERE sid = ?1 AND key > ?2 ORDER BY key LIMIT ?3"
            let page = try store.read { (db) throws(StoreError) -> [(String, Int64)] in
                try db.query(sql, [.integer(source), .text(after), .int(chunk)]) { ($0.text(0), $0.int(1)) }
            }
            for (key, version) in page { current[key] = version }
            guard let last = page.last?.0, page.count == chunk else { break }
            (lastKey, first) = (last, false)
        }
        var atMark: [String: Int64] = [:]
        var logged: Set<String> = []
        var seq: Int64 = 0
        while true {
            let after = seq
            let page = try store.read { (db) throws(StoreError) -> [(Int64, String?, String?, Int64?)] in
                try db.query("SELECT seq, kind, row_key, row_version FROM events WHERE sid = ? AND seq > ? ORDER BY seq LIMIT ?",
                             [.integer(source), .integer(after), .int(chunk)]) { ($0.int(0), $0.optionalText(1), $0.optionalText(2), $0.optionalInt(3)) }
            }
            for (eventSeq, kind, key, version) in page where kind == "state" {
                guard let key else { continue }
                logged.insert(key)
                if eventSeq <= mark, let version, version > (atMark[key] ?? Int64.min) { atMark[key] = version }
            }
            guard let last = page.last?.0, page.count == chunk else { break }
            seq = last
        }
        let forkRows = try store.read { (db) throws(StoreError) -> JSONValue? in
            try db.queryOne("SELECT fork_rows FROM sessions WHERE sid = ?", [.integer(source)]) {
                (row) throws(StoreError) -> JSONValue in try row.json(0)
            }
        }
        // As `BranchForkRows.versions`: the source's own fork map, the log over it, then the rows
        // the log never mentions as they are.
        var versions: [String: Int64] = [:]
        if let forkRows { versions = Checkpoints.decode(forkRows) }
        for (key, version) in atMark { versions[key] = version }
        for (key, version) in current where !logged.contains(key) { versions[key] = version }
        return versions
    }

    /// Copies the rows of `versions` into the hidden branch, `rows` keys a write step; the
    /// `state` events are numbered after `copiedTurns`.
    static func copy(_ store: Store, _ plan: BranchCopy.Plan, versions: [String: Int64], copiedTurns: Int64,
                     rows: Int) throws(StoreError) -> Copied {
        // SQLite orders text by its UTF-8 bytes: the same order, so the steps number the events
        // as the one-job copy (ORDER BY key) did.
        let keys = versions.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var branchRows: [String: Int64] = [:]
        var events: Int64 = 0
        var start = 0
        while start < keys.count {
            let chunk = keys[start..<min(keys.count, start + rows)]
            var part: [String: Int64] = [:]
            for key in chunk { part[key] = versions[key] }
            let map = Checkpoints.encode(part)
            let base = copiedTurns + events
            let written = try store.writeStep { (ctx) throws(StoreError) -> [(String, Int64)] in
                try SessionImport.keepAlive(ctx, sid: plan.sid)
                try BranchForkRows.copy(ctx.db, from: plan.sourceSid, to: plan.sid, map: map)
                try ctx.db.run("""
                    INSERT INTO events(sid, seq, kind, actor, row_key, row_version, created_at)
                    SELECT sid, ?1 + row_number() OVER (ORDER BY key), 'state', author, key, version, ?2 FROM state_rows
                    WHERE sid = ?3 AND key IN (SELECT key FROM json_each(?4))
                    """, [.integer(base), .integer(ctx.now), .integer(plan.sid), .json(map)])
                return try ctx.db.query("SELECT key, version FROM state_rows WHERE sid = ? AND key IN (SELECT key FROM json_each(?))",
                                        [.integer(plan.sid), .json(map)]) { ($0.text(0), $0.int(1)) }
            }
            for (key, version) in written { branchRows[key] = version }
            events += Int64(written.count)
            start += rows
        }
        return Copied(forkRows: Checkpoints.encode(branchRows), events: events)
    }
}
