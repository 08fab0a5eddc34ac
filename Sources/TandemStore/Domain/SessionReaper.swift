/// Deleting a session without holding the write lock for as long as the session is big.
///
/// A delete is two parts. `hide` is one short transaction: the session loses its members and
/// share links, its branches lose their parent (each with an `unparent` change), its public id
/// is freed (it becomes `~deleting~SID`, which no identifier can spell, so no lookup finds it and
/// a new session may take the id at once) and its status becomes `deleting`, which lists and
/// searches leave out.
/// `step` then removes at most `maxRows` of its rows per transaction, the session row last; the
/// writer runs steps between jobs (`StoreWriter`'s chore), so posts to other sessions wait for
/// one step at most, not for the whole session. The status is the to-do list: a restart (or any
/// later open of the database, `tandem-admin` included) resumes where the steps stopped.
enum SessionReaper {
    /// The `sessions.status` of a hidden session whose rows are still being removed.
    static let status = "deleting"
    /// The statuses of sessions no lookup, list or search shows (being deleted or imported), as
    /// an SQL list.
    static let hiddenStatuses = "('\(status)', '\(SessionImport.status)')"
    /// The assignments (SQL) that give a session row to the delete steps.
    static let handOver = "status = '\(status)', id = '~deleting~' || sid"

    /// Hides session `sid` (see above), deleted by `actor`; the writer's chore removes the rest.
    /// Returns the ids of the branches that lost their parent with it (see `unparent`).
    @discardableResult
    static func hide(_ ctx: WriteContext, sid: Int64, actor: String) throws(StoreError) -> [String] {
        let db = ctx.db
        let key: [SQLValue] = [.integer(sid)]
        try db.run("DELETE FROM members WHERE sid = ?", key)
        try db.run("DELETE FROM share_links WHERE sid = ?", key)
        let unparented = try unparent(ctx, parent: sid, actor: actor)
        try SessionIncarnation.retire(db, sid: sid, now: ctx.now)
        try db.run("""
            UPDATE sessions SET \(handOver), title = '', parent_sid = NULL WHERE sid = ?
            """, key)
        ctx.choreDue = true
        return unparented
    }

    /// What ON DELETE SET NULL does when the row finally goes, done now: the branches of `parent`
    /// see it gone at once. Each visible one records an `unparent` change (`data.parent`: the
    /// parent's id) in this transaction, so the going has an event seq: it moves the branch's
    /// head and `updated`, is replayed after `since`, and reaches the branch's followers. A hidden
    /// branch (being deleted or imported) loses its parent without one: nobody follows it.
    /// Returns the ids of the visible branches.
    ///
    /// What `WriteContext.recordEvent` does for each, in three statements for all of them: one by
    /// one, a parent of 10,000 branches held the writer about 3.5 times as long (docs/benchmarks.md,
    /// `writer-hold delete-parent`). That is sound because a delete is never a deferrable job: the
    /// writer flushed the batch's counters to the rows before it, so the counters read are current.
    private static func unparent(_ ctx: WriteContext, parent: Int64, actor: String) throws(StoreError) -> [String] {
        precondition(!ctx.jobIsDeferrable, "a delete reads the branches' counters from their rows")
        let db = ctx.db
        guard let parentID = try db.queryOne("SELECT id FROM sessions WHERE sid = ?", [.integer(parent)], { $0.text(0) }) else {
            return []
        }
        let visible = "parent_sid = ?1 AND status NOT IN \(hiddenStatuses)"
        let branches = try db.query("SELECT sid, id FROM sessions WHERE \(visible) ORDER BY sid", [.integer(parent)]) {
            ($0.int(0), $0.text(1))
        }
        // A branch being merged into: the job waits for the merge, as every write to it does (`reserve`).
        if let held = branches.first(where: { ctx.holds.refuses($0.0) }) {
            throw StoreError(.busy, "session #\(held.0) is being merged into; the write waits for the merge")
        }
        if !branches.isEmpty {
            // `data.after` from the record `SessionAfter.attach` writes: the branch as the change left it, no parent.
            let after = SessionAfter.sqlObject(row: "sessions", headSeq: "last_turn_seq", updated: "?2", parent: "NULL")
            try db.run("""
                INSERT INTO events(sid, seq, kind, actor, data, created_at)
                SELECT sid, last_event_seq + 1, ?3, ?4, json_object('parent', ?5, 'after', \(after)), ?2
                FROM sessions WHERE \(visible)
                """, [.integer(parent), .integer(ctx.now), .text(ChangeEvent.Kind.unparent.rawValue), .text(actor), .text(parentID)])
        }
        // The visible ones' log numbers taken with the parent's going, in one pass over the rows.
        try db.run("""
            UPDATE sessions SET parent_sid = NULL, updated_at = ?2,
              last_event_seq = last_event_seq + (status NOT IN \(hiddenStatuses)) WHERE parent_sid = ?1
            """, [.integer(parent), .integer(ctx.now)])
        return branches.map(\.1)
    }

    /// Removes up to `maxRows` rows of one hidden session (the lowest sid, or `sid`), or the
    /// session row itself once nothing else of it is left. Returns whether a hidden session
    /// (that one, when `sid` is given) remains.
    @discardableResult
    static func step(_ ctx: WriteContext, sid only: Int64? = nil, maxRows: Int) throws(StoreError) -> Bool {
        let db = ctx.db
        let found = only == nil
            ? try db.scalar("SELECT sid FROM sessions WHERE status = '\(status)' ORDER BY sid LIMIT 1")
            : try db.scalar("SELECT sid FROM sessions WHERE sid = ? AND status = '\(status)'", [.integer(only!)])
        guard let sid = found else { return false }
        var budget = max(1, maxRows)
        budget -= try forgetTurns(ctx, sid: sid, limit: budget)
        for (table, key) in children where budget > 0 {
            budget -= try db.run("""
                DELETE FROM \(table) WHERE sid = ?1 AND (\(key)) IN (SELECT \(key) FROM \(table) WHERE sid = ?1 LIMIT ?2)
                """, [.integer(sid), .int(budget)])
        }
        // Each table gave fewer rows than it was allowed: none are left.
        guard budget > 0 else { return true }
        try db.run("DELETE FROM sessions WHERE sid = ?", [.integer(sid)])
        if only != nil { return false }
        return try db.scalar("SELECT 1 FROM sessions WHERE status = '\(status)' LIMIT 1") != nil
    }

    /// Hidden sessions owned by `user`.
    static func owned(by user: String, _ db: Database) throws(StoreError) -> [Int64] {
        try db.query("SELECT sid FROM sessions WHERE owner = ? AND status = '\(status)'", [.text(user)]) { $0.int(0) }
    }

    /// The tables that hold a session's rows besides `turns`, each with the rest of its key.
    private static let children: [(table: String, key: String)] = [
        ("events", "seq"), ("state_history", "key, version"), ("state_rows", "key"), ("comments", "id"),
        ("contributions", "user_id"), ("checkpoints", "name"), ("members", "user_id"), ("share_links", "id"),
        ("turn_retirements", "id"),
    ]

    /// Deletes up to `limit` turns of `sid`, leaving the search index a note of them (with their
    /// text: the index is contentless) and of the highest turn id left. Returns how many.
    private static func forgetTurns(_ ctx: WriteContext, sid: Int64, limit: Int) throws(StoreError) -> Int {
        let db = ctx.db
        guard try db.scalar("SELECT 1 FROM turns WHERE sid = ? LIMIT 1", [.integer(sid)]) != nil else { return 0 }
        try db.run("INSERT INTO search_forget(keep_through) VALUES (0)")
        let note = db.lastInsertRowID
        let count = try db.run("INSERT INTO search_forget_turns(seq, id, content) SELECT ?, id, content FROM turns WHERE sid = ? LIMIT ?",
                               [.integer(note), .integer(sid), .int(limit)])
        try db.run("DELETE FROM turns WHERE id IN (SELECT id FROM search_forget_turns WHERE seq = ?)", [.integer(note)])
        try db.run("UPDATE search_forget SET keep_through = coalesce((SELECT max(id) FROM turns), 0) WHERE seq = ?",
                   [.integer(note)])
        ctx.sessionsDeleted = true
        return count
    }
}
