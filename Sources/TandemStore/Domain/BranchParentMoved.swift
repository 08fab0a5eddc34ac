/// Whether a branch's parent moved under it: a turn the branch forked from (seq at or before the
/// fork point, live in the branch) no longer reads live in the parent, because the parent undid,
/// cleared or rewound it (a restore to a checkpoint before the fork point) since the fork.
/// Merging then would append the branch's replies after turns the parent no longer has, so the
/// merge is refused. Turns the parent added after the fork point do not count: a merge appends
/// after them. Turns the parent had already retired when it was forked are retired in the branch
/// too (`BranchCopy` takes their states and retirements), so they do not count either.
enum BranchParentMoved {
    /// The first turn of the branch's basis that the parent retired since the fork, or nil.
    /// `parentMark` is the parent's log head when the branch was published (nil: unknown, for a
    /// branch forked before migration 12 or imported): undos up to it reached the branch's copies.
    static func firstRetiredTurn(_ db: Database, branch: Int64, parent: Int64, forkSeq: Int64,
                                 parentMark: Int64?) throws(StoreError) -> Int64? {
        guard forkSeq > 0 else { return nil }
        let inBranch = try TurnRetirements.load(db, sid: branch)
        let inParent = try TurnRetirements.load(db, sid: parent)
        var found: [Int64] = []
        // Cleared or rewound in the parent (a retirement, the turn rows untouched): a turn the
        // branch holds live in a stretch the parent's retirements cover and the branch's do not.
        for span in inParent.spans where span.after < forkSeq {
            for gap in inBranch.uncovered(after: span.after, through: min(span.through, forkSeq)) {
                if let seq = try db.scalar("SELECT seq FROM turns WHERE sid = ? AND seq > ? AND seq <= ? AND state = 0 ORDER BY seq LIMIT 1",
                                           [.integer(branch), .integer(gap.after), .integer(gap.through)]) {
                    found.append(seq)
                    break
                }
            }
        }
        // Undone in the parent (undo writes the turn itself). Read from the parent's change log
        // after the mark: comparing every turn up to the fork point would read them all inside the
        // merge's transaction, and the whole log holds an event per row write (100,000 rows, as
        // many events). An undo up to the mark is one the fork copied (`BranchCopy.publish`).
        let undone = try db.query("""
            SELECT b.seq FROM events e JOIN turns b ON b.sid = ?1 AND b.seq = e.turn_seq
            WHERE e.sid = ?2 AND e.seq > ?4 AND e.kind = 'undo' AND e.turn_seq <= ?3 AND b.state = 0 ORDER BY b.seq
            """, [.integer(branch), .integer(parent), .integer(forkSeq), .integer(parentMark ?? 0)]) { $0.int(0) }
        if let seq = undone.first(where: { inBranch.state(.live, seq: $0) == .live }) { found.append(seq) }
        return found.min()
    }
}
