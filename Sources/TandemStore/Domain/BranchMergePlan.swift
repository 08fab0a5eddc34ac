import TandemJSON

/// Everything in a stepped merge's rows that would refuse the one-job merge half-way, found before
/// its first write: conflicts (rows without a resolution), text merges past `max-merge-diff-steps` (all rows together),
/// a respelled key, a merged row past `max-row-value-bytes`, more rows or comments than the parent
/// may hold. Read on a reader snapshot taken after the merge's hold is in place: neither session
/// can change until the merge ends, so what holds here holds for its steps.
enum BranchMergePlan {
    /// Changed rows read and checked at a time: the plan holds one chunk of values, never the branch.
    static let chunkRows = 1_000

    /// The conflicts (empty: the merge can go ahead), at most `maxMergeConflictsReported` keys (the
    /// first in key byte order) and whether more conflict; throws what would refuse it. The changed
    /// rows are read a chunk at a time in key order and only the conflicts are kept, so memory is
    /// bounded by a chunk; reading stops at the first conflicting key past those listed.
    static func check(_ db: Database, _ target: BranchMergeTarget, resolutions: [String: JSONValue],
                      configuration: StoreConfiguration) throws(StoreError) -> BranchMergeConflictList {
        // Without a fork mark `load` compares every row whatever the chunk: read it once.
        let chunkSize = target.forkEventSeq == nil ? Int.max : chunkRows
        var conflicts = BranchMergeConflictList(limit: configuration.maxMergeConflictsReported)
        var newRows: Int64 = 0
        // Refusals the one-job merge meets only while writing (after every row's conflict check):
        // held back until no row conflicts, so both answer alike.
        var later: StoreError?
        // Every row's merge spends from one budget: the merge's writes will re-do them on the writer.
        var budget = MergeDiffBudget.branchMerge(configuration)
        var cursor: String?
        while !conflicts.more {
            let chunk = try BranchChangedRows.load(db, branch: target.branchSid, forkEventSeq: target.forkEventSeq,
                                                   after: cursor, limit: chunkSize)
            for row in chunk where !conflicts.more {
                try check(db, target, row, resolution: resolutions[row.key], configuration: configuration,
                          budget: &budget, conflicts: &conflicts, newRows: &newRows, later: &later)
            }
            guard chunk.count == chunkSize, let last = chunk.last?.key else { break }
            cursor = last
        }
        if !conflicts.isEmpty { return conflicts }
        if let later { throw later }
        let rowLimit = configuration.maxRowsPerSession
        let held = try Quotas.count("row_count", db, sid: target.parentSid)
        if newRows > 0 && held + newRows > Int64(rowLimit) {
            try Quotas.require(Int64(rowLimit), below: rowLimit, "session \(target.parentID) would have \(held + newRows) rows",
                               setting: "max-rows-per-session",
                               advice: "rows are never deleted over the wire: write to the keys it has, or start another session")
        }
        try checkComments(db, target, limit: configuration.maxCommentsPerSession)
        return conflicts
    }

    /// One changed row's three-way check: a conflict is recorded in `conflicts`, a row new to the
    /// parent counted in `newRows`, and the first refusal the writing would meet kept in `later`.
    private static func check(_ db: Database, _ target: BranchMergeTarget, _ row: BranchChangedRows.Row, resolution: JSONValue?,
                              configuration: StoreConfiguration, budget: inout MergeDiffBudget,
                              conflicts: inout BranchMergeConflictList,
                              newRows: inout Int64, later: inout StoreError?) throws(StoreError) {
        let current = try RowRows.current(db, sid: target.parentSid, key: row.key)
        if current == nil { newRows += 1 }
        let plan: Rows.Plan
        if let resolution {
            do throws(StoreError) {
                plan = try Rows.plan(db, sid: target.parentSid, key: row.key, value: resolution, baseVersion: current?.version ?? 0,
                                     budget: &budget)
            } catch {
                later = later ?? error
                return
            }
        } else {
            plan = try Rows.plan(db, sid: target.parentSid, key: row.key, value: row.value, baseVersion: row.forkVersion,
                                 budget: &budget)
        }
        let stored: JSONValue
        switch plan {
        case .apply: stored = resolution ?? row.value
        case .merge(let merged, _): stored = merged
        case .conflict(_, let list, _):
            conflicts.add(row.key, list)
            return
        }
        let bytes = stored.serialized().utf8.count
        if bytes > configuration.maxRowValueBytes {
            later = later ?? StoreError(.tooLarge, "row \(row.key) would be \(bytes) bytes merged; the limit is \(configuration.maxRowValueBytes)")
        }
    }

    /// The comments the merged turns carry fit in the parent: first counted over every turn after
    /// the fork (one range), and only when that is over the limit, over the live ones.
    private static func checkComments(_ db: Database, _ target: BranchMergeTarget, limit: Int) throws(StoreError) {
        let held = try Quotas.count("comment_count", db, sid: target.parentSid)
        let all = try db.scalar("SELECT count(*) FROM comments WHERE sid = ? AND turn_seq > ?",
                                [.integer(target.branchSid), .integer(target.forkSeq)]) ?? 0
        guard all > 0, held + all > Int64(limit) else { return }
        let live = try Turns.live(db, sid: target.branchSid, sessionID: target.branchID,
                                  retired: try TurnRetirements.load(db, sid: target.branchSid), after: target.forkSeq)
        var carried: Int64 = 0
        for turn in live {
            carried += try db.scalar("SELECT count(*) FROM comments WHERE sid = ? AND turn_seq = ?",
                                     [.integer(target.branchSid), .integer(turn.seq)]) ?? 0
        }
        if carried > 0 && held + carried > Int64(limit) {
            try Quotas.require(Int64(limit), below: limit, "session \(target.parentID) would have \(held + carried) comments",
                               setting: "max-comments-per-session",
                               advice: "comments are never deleted over the wire: the server's operator can raise the limit")
        }
    }
}
