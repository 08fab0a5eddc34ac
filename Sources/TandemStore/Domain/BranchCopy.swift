import TandemJSON

/// Forking a session into a branch in steps, like an import (`SessionImport`), so that forking a
/// long session never holds the write lock for long: `begin` inserts the branch hidden; `copy`
/// copies the source's turns up to the fork point a chunk at a time; `publish` copies members,
/// the comments on the copied turns and the rows as of the fork point (`BranchForkRows`), brings the copied turns' states up to
/// date with the source's (an undo, clear or restore during the copy: the stored states, and the
/// source's retirements), and shows the branch. The branch's turns read as the source's did at
/// `publish`, up to the fork point. A failure on the way hands the hidden branch to the delete
/// steps (`SessionImport.abandon`).
enum BranchCopy {
    /// What the steps after `begin` need.
    struct Plan: Sendable {
        var sid: Int64
        var sourceID: String
        var sourceSid: Int64
        var actor: String
        var newID: String
        /// The fork point: turns up to this seq are copied.
        var at: Int64
        /// The source's change-log head when the copy began.
        var eventMark: Int64
        /// The source's change-log seq the branch's rows are taken at: just before the first turn
        /// after the fork point, or the head when the fork began (fixed here, so that edits to
        /// the source during the copy never reach the branch).
        var rowMark: Int64
    }

    static func begin(_ ctx: WriteContext, session: String, actor: String, atSeq: Int64?, newID: String,
                      title: String?) throws(StoreError) -> Plan {
        let db = ctx.db
        let ref = try db.authorize(.branchCreate, session: session, actor: actor)
        let source = try SessionRows.load(db, sid: ref.sid)
        let at = atSeq ?? source.lastTurnSeq
        guard (0...source.lastTurnSeq).contains(at) else {
            throw StoreError.invalid("fork point \(at) is outside 0...\(source.lastTurnSeq)", field: "at")
        }
        try SessionImport.requireFree(db, newID)
        // The branch is the source owner's session: it counts towards theirs.
        try Quotas.requireSessionRoom(ctx, owner: source.owner)
        let sid = try SessionImport.insertHidden(ctx, [
            ("title", .text(title ?? (source.title.isEmpty ? "branch of \(source.id)" : source.title + " (branch)"))), ("owner", .text(source.owner)),
            ("metadata", .text(source.metadata.serialized())), ("created_at", .integer(ctx.now)),
        ])
        let next = try db.scalar("SELECT event_seq FROM turns WHERE sid = ? AND seq > ? ORDER BY seq LIMIT 1",
                                 [.integer(ref.sid), .integer(at)])
        return Plan(sid: sid, sourceID: session, sourceSid: ref.sid, actor: actor, newID: newID, at: at,
                    eventMark: source.lastEventSeq, rowMark: next.map { $0 - 1 } ?? source.lastEventSeq)
    }

    /// Copies up to `rows` more turns (those after seq `after`); returns the last seq copied and
    /// how many, or nil when none was left. Copies keep their seqs; their event seqs are numbered densely from 1
    /// (`copied` so far, plus one per turn).
    static func copy(_ ctx: WriteContext, _ plan: Plan, after: Int64, copied: Int64,
                     rows: Int) throws(StoreError) -> (last: Int64, count: Int64)? {
        let db = ctx.db
        try SessionImport.keepAlive(ctx, sid: plan.sid)
        let count = try db.run("""
            INSERT INTO turns(sid, seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state, event_seq, nonce)
            SELECT ?1, seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state,
                   ?2 + row_number() OVER (ORDER BY seq), nonce
            FROM turns WHERE sid = ?3 AND seq > ?4 AND seq <= ?5 ORDER BY seq LIMIT ?6
            """, [.integer(plan.sid), .integer(copied), .integer(plan.sourceSid), .integer(after), .integer(plan.at), .int(rows)])
        guard count > 0, let last = try db.scalar("SELECT max(seq) FROM turns WHERE sid = ?", [.integer(plan.sid)]) else { return nil }
        return (last, Int64(count))
    }

    /// The comments on the copied turns, as they stand now (comments made during the copy
    /// included), oldest first with their authors and times; each gets a `comment` event in the
    /// branch's change log, numbered after `after`, so a member replaying the branch sees them.
    /// They are not counted in the branch's contributions, as the copied turns are not.
    /// Returns how many.
    static func copyComments(_ ctx: WriteContext, _ plan: Plan, after: Int64) throws(StoreError) -> Int64 {
        let db = ctx.db
        let comments = try db.query("""
            SELECT turn_seq, author, body, created_at FROM comments WHERE sid = ? AND turn_seq <= ? ORDER BY id
            """, [.integer(plan.sourceSid), .integer(plan.at)]) { ($0.int(0), $0.text(1), $0.text(2), $0.int(3)) }
        for (offset, (turnSeq, author, body, createdAt)) in comments.enumerated() {
            try db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (?,?,?,?,?)",
                       [.integer(plan.sid), .integer(turnSeq), .text(author), .text(body), .integer(createdAt)])
            try db.insertEvent(sid: plan.sid, seq: after + Int64(offset) + 1, kind: "comment", actor: author, now: ctx.now,
                               turnSeq: turnSeq, data: ["id": .integer(db.lastInsertRowID), "body": .string(body)])
        }
        return Int64(comments.count)
    }

    /// Completes the branch and shows it; checks again that the actor may fork the source and
    /// that the id is free. `rows`: what `BranchForkRowSteps` copied already; nil copies the rows
    /// here, in this job (at the plan's mark all the same).
    static func publish(_ ctx: WriteContext, _ plan: Plan, rows: BranchForkRowSteps.Copied? = nil) throws(StoreError) -> Session {
        let db = ctx.db
        let ref = try db.authorize(.branchCreate, session: plan.sourceID, actor: plan.actor)
        guard ref.sid == plan.sourceSid else { throw StoreError.notFound("session \(plan.sourceID)") }
        try SessionImport.requireFree(db, plan.newID)
        let (sid, source) = (plan.sid, plan.sourceSid)
        // Undos during the copy reach the copies of the turns they name (undo is the only write of
        // a turn's state; clears and restores are retirements, taken below).
        try db.run("""
            UPDATE turns SET state = \(TurnState.undone.rawValue) WHERE sid = ?1 AND state = \(TurnState.live.rawValue) AND seq IN
              (SELECT turn_seq FROM events WHERE sid = ?2 AND seq > ?3 AND kind = 'undo')
            """, [.integer(sid), .integer(source), .integer(plan.eventMark)])
        // The copies' event seqs run 1...copied in seq order: the last one is the count, read off
        // the (sid, seq) index (count(*) walked all of it: 55 ms for 1,000,000 turns, in this
        // transaction, which every post waits for).
        let copied = try db.scalar("SELECT event_seq FROM turns WHERE sid = ? ORDER BY seq DESC LIMIT 1", [.integer(sid)]) ?? 0
        try db.run("""
            INSERT INTO members(sid, user_id, role, added_at) SELECT ?1, owner, 'owner', ?2 FROM sessions WHERE sid = ?1
            """, [.integer(sid), .integer(ctx.now)])
        try db.run("""
            INSERT INTO members(sid, user_id, role, added_at) SELECT ?, user_id, role, ? FROM members
            WHERE sid = ? AND user_id <> (SELECT owner FROM sessions WHERE sid = ?)
            """, [.integer(sid), .integer(ctx.now), .integer(source), .integer(sid)])
        let rowEvents: Int64
        let forkMap: JSONValue
        if let rows {
            (rowEvents, forkMap) = (rows.events, rows.forkRows)
        } else {
            let versions = try BranchForkRows.versions(db, source: source, mark: plan.rowMark)
            try BranchForkRows.copy(db, from: source, to: sid, map: Checkpoints.encode(versions))
            rowEvents = try Int64(db.run("""
                INSERT INTO events(sid, seq, kind, actor, row_key, row_version, created_at)
                SELECT sid, ? + row_number() OVER (ORDER BY key), 'state', author, key, version, ? FROM state_rows WHERE sid = ?
                """, [.integer(copied), .integer(ctx.now), .integer(sid)]))
            var map: [String: Int64] = [:]
            for (key, version) in try db.query("SELECT key, version FROM state_rows WHERE sid = ?", [.integer(sid)], { ($0.text(0), $0.int(1)) }) {
                map[key] = version
            }
            forkMap = Checkpoints.encode(map)
        }
        let commentsAfter = copied + rowEvents
        let comments = try copyComments(ctx, plan, after: commentsAfter)
        // In their order, cut at the fork point (the branch's own come after them).
        try db.run("""
            INSERT INTO turn_retirements(sid, after, through, state)
            SELECT ?1, after, min(through, ?3), state FROM turn_retirements WHERE sid = ?2 AND after < ?3 ORDER BY id
            """, [.integer(sid), .integer(source), .integer(plan.at)])
        // A deleted session's id made again: its own incarnation (a later `created` in the same millisecond).
        let created = try SessionIncarnation.madeNow(ctx, id: plan.newID)
        try db.run("""
            UPDATE sessions SET id = ?1, status = 'active', created_at = ?8, updated_at = ?8, parent_sid = ?2, fork_seq = ?3,
              fork_rows = ?4, branch_status = 'open', last_turn_seq = ?5,
              last_event_seq = ?7, fork_event_seq = ?7,
              fork_parent_event_seq = (SELECT last_event_seq FROM sessions WHERE sid = ?2)
            WHERE sid = ?6
            """, [.text(plan.newID), .integer(source), .integer(plan.at), .json(forkMap), .integer(plan.at),
                  .integer(sid), .integer(commentsAfter + comments), .integer(created)])
        return try SessionRows.load(db, sid: sid)
    }
}
