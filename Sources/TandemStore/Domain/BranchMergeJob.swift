import TandemJSON

/// A branch merge too big for one job, as a durable job (`branch_merges`, `Schema.branchMerges`):
/// `begin` holds the two sessions, `step` writes the next chunk (rows by key, then turns by seq)
/// and records how far it got in the same transaction; the last step archives the branch, deletes
/// the job and lifts the hold. Each step reads its cursor from the table, so a step run twice (two
/// processes finishing one merge) never writes anything twice.
enum BranchMergeJob {
    /// What the first job decided.
    enum Start: Sendable {
        /// It fitted one step and was merged (or refused by a conflict) in that job, as before.
        case done(BranchMergeResult)
        /// Held and recorded: plan the rows (`BranchMergePlan`), then take steps.
        case held(BranchMergeTarget)
    }

    /// What one step wrote.
    struct Step: Sendable {
        /// The rows and turns it wrote, tallied (`BranchMergeTally`: no turn is kept).
        var merged = BranchMergeTally(keep: 0)
        /// The `branch_merge` event's seq when this step ended the merge.
        var finished: Int64?
        /// Why the job ended without merging the rest (a session deleted from under it), if it did.
        var ended: String?
        /// No job was there: the merge is over (another process finished it).
        var gone = false
    }

    /// The first job: every check a merge can refuse on before its rows, then either the whole
    /// merge (at most `stepRows` rows and turns, or a branch without a fork mark) or the hold.
    static func begin(_ ctx: WriteContext, branch: String, actor: String, resolutions: [String: JSONValue],
                      texts: [String: String], stepRows: Int) throws(StoreError) -> Start {
        let db = ctx.db
        var target = try Branches.target(db, branch: branch, actor: actor)
        if try fitsOneStep(db, target, stepRows: stepRows) {
            return .done(try Branches.merge(ctx, target, actor: actor, resolutions: resolutions, texts: texts))
        }
        target.parentHeldAt = try db.scalar("SELECT last_event_seq FROM sessions WHERE sid = ?", [.integer(target.parentSid)])
        try db.run("""
            INSERT INTO branch_merges(branch_sid, parent_sid, actor, phase, turn_cursor, resolutions, started_at, updated_at)
            VALUES (?,?,?,'plan',?,?,?,?)
            """, [.integer(target.branchSid), .integer(target.parentSid), .text(actor), .integer(target.forkSeq),
                  .json(.object(resolutions)), .integer(ctx.now), .integer(ctx.now)])
        ctx.holds.add(target.branchSid, target.parentSid)
        return .held(target)
    }

    /// Whether the rows and turns to merge number at most `stepRows` (each counted no further).
    private static func fitsOneStep(_ db: Database, _ target: BranchMergeTarget, stepRows: Int) throws(StoreError) -> Bool {
        guard let mark = target.forkEventSeq else { return true }
        let cap = Int64(stepRows) + 1
        let rows = try db.scalar("""
            SELECT count(*) FROM (SELECT 1 FROM events WHERE sid = ? AND seq > ? AND kind = 'state' GROUP BY row_key LIMIT ?)
            """, [.integer(target.branchSid), .integer(mark), .integer(cap)]) ?? 0
        let turns = try db.scalar("SELECT count(*) FROM (SELECT 1 FROM turns WHERE sid = ? AND seq > ? LIMIT ?)",
                                  [.integer(target.branchSid), .integer(target.forkSeq), .integer(cap)]) ?? 0
        return rows + turns <= Int64(stepRows)
    }

    /// Ends the job without writing anything more (a refused plan, a plan cut off by a crash).
    static func drop(_ ctx: WriteContext, branch: Int64) throws(StoreError) {
        guard let parent = try ctx.db.scalar("SELECT parent_sid FROM branch_merges WHERE branch_sid = ?", [.integer(branch)]) else { return }
        try ctx.db.run("DELETE FROM branch_merges WHERE branch_sid = ?", [.integer(branch)])
        ctx.holds.remove(branch, parent)
    }

    /// The next step of the merge of `branch`: up to `limit` rows and turns.
    static func step(_ ctx: WriteContext, branch: Int64, limit: Int) throws(StoreError) -> Step {
        let db = ctx.db
        ctx.holds.bypass = true // the merge's own writes
        guard let job = try db.queryOne("""
            SELECT parent_sid, actor, phase, row_cursor, turn_cursor, resolutions, rows_merged, turns_merged
            FROM branch_merges WHERE branch_sid = ?
            """, [.integer(branch)], { row throws(StoreError) in
                (parent: row.int(0), actor: row.text(1), phase: row.text(2), rowCursor: row.optionalText(3),
                 turnCursor: row.int(4), resolutions: try row.json(5), rows: row.int(6), turns: row.int(7))
            }) else { return Step(gone: true) }
        guard let target = try liveTarget(db, branch: branch, parent: job.parent) else {
            try drop(ctx, branch: branch)
            try db.audit(actor: job.actor, action: .branchMerge, sessionID: nil, target: nil,
                         detail: ["incomplete": true, "turns": .integer(job.turns), "rows": .integer(job.rows)], now: ctx.now)
            return Step(ended: "the branch or its parent was deleted during the merge; what was merged stays in the parent")
        }
        var out = Step()
        var (phase, rowCursor, turnCursor) = (job.phase, job.rowCursor, job.turnCursor)
        var budget = max(1, limit)
        if phase != "turns" {
            let resolutions = job.resolutions.objectValue ?? [:]
            let chunk = try BranchChangedRows.load(db, branch: branch, forkEventSeq: target.forkEventSeq, after: rowCursor, limit: budget)
            out.merged = try BranchMergeRows.write(ctx, rows: chunk, branch: branch, parent: target.parentSid, actor: job.actor,
                                                   resolutions: resolutions, texts: resolutions.mapValues { $0.serialized() })
            budget -= chunk.count
            if let last = chunk.last?.key { rowCursor = last }
            phase = budget > 0 ? "turns" : "rows"
        }
        if budget > 0 {
            let (turns, last) = try BranchMergeTurns.append(ctx, branch: branch, parent: target.parentSid, parentID: target.parentID,
                                                            after: turnCursor, limit: budget)
            out.merged.add(turns)
            if let last { turnCursor = last }
            if turns.turnCount < Int64(budget) {
                // Nothing left: the merge's last writes, and the hold lifted.
                out.finished = try Branches.finish(ctx, target, actor: job.actor, turns: job.turns + turns.turnCount,
                                                   rows: job.rows + out.merged.rowResults)
                try drop(ctx, branch: branch)
                return out
            }
        }
        try db.run("""
            UPDATE branch_merges SET phase = ?, row_cursor = ?, turn_cursor = ?, rows_merged = rows_merged + ?,
              turns_merged = turns_merged + ?, updated_at = ? WHERE branch_sid = ?
            """, [.text(phase), .optional(rowCursor), .integer(turnCursor), .integer(out.merged.rowResults),
                  .integer(out.merged.turnCount), .integer(ctx.now), .integer(branch)])
        return out
    }

    /// The two sessions as the job's steps need them, or nil when either is gone (deleted: its
    /// row removed, or hidden for removal).
    static func liveTarget(_ db: Database, branch: Int64, parent: Int64) throws(StoreError) -> BranchMergeTarget? {
        guard let (branchID, forkSeq, forkEventSeq, branchStatus) = try db.queryOne(
            "SELECT id, fork_seq, fork_event_seq, status FROM sessions WHERE sid = ?", [.integer(branch)],
            { ($0.text(0), $0.int(1), $0.optionalInt(2), $0.text(3)) }),
              let (parentID, parentStatus) = try db.queryOne("SELECT id, status FROM sessions WHERE sid = ?", [.integer(parent)],
                                                            { ($0.text(0), $0.text(1)) }),
              branchStatus != SessionReaper.status, parentStatus != SessionReaper.status
        else { return nil }
        return BranchMergeTarget(branchSid: branch, branchID: branchID, parentSid: parent, parentID: parentID,
                                 forkSeq: forkSeq, forkEventSeq: forkEventSeq)
    }

    /// The merges under way (`branch_sid`, `phase`, when a step last advanced it), oldest first.
    static func pending(_ db: Database) throws(StoreError) -> [(branch: Int64, phase: String, updatedAt: Int64)] {
        try db.query("SELECT branch_sid, phase, updated_at FROM branch_merges ORDER BY started_at, branch_sid") {
            ($0.int(0), $0.text(1), $0.int(2))
        }
    }
}
