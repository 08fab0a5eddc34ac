import TandemJSON

/// The row half of a branch merge: writing the branch's changed rows into the parent, by the
/// three-way rule against the fork point (a resolution is the merger's own value, written on the
/// parent's current version). Shared by the one-job merge and a merge's steps, so both write the
/// same rows, events and counts.
enum BranchMergeRows {
    /// Writes `changed`; answers what it wrote as a tally (a count and the first
    /// `maxMergeRowsReported` keys, not the rows: the merge's answer names only those).
    static func write(_ ctx: WriteContext, rows changed: [BranchChangedRows.Row], branch: Int64, parent: Int64, actor: String,
                      resolutions: [String: JSONValue], texts: [String: String]) throws(StoreError) -> BranchMergeTally {
        let db = ctx.db
        var rows = BranchMergeTally(keep: ctx.configuration.maxMergeRowsReported)
        // Row writes the branch counts, by author, left to move. Read per call: a merge's earlier
        // steps have committed (and counted) theirs.
        var branchWrites: [String: Int64] = [:]
        // One budget for the rows of this writer job: a step's (or the one-job merge's) diff is
        // bounded whatever the number of rows.
        var budget = MergeDiffBudget.branchMerge(ctx.configuration)
        for row in changed {
            let (key, author) = (row.key, row.author)
            if let resolution = resolutions[key] {
                // The merger's own value: theirs to sign.
                let currentVersion = try RowRows.current(db, sid: parent, key: key)?.version ?? 0
                rows.addRow(try Rows.write(ctx, sid: parent, actor: actor, key: key, value: resolution,
                                           text: texts[key], baseVersion: currentVersion, budget: &budget))
            } else {
                // The row keeps the author of its branch version (the merge event names the
                // merger), and the write moves like a turn: it counts in the parent for that
                // author, and no longer in the branch when the branch counted it (a restore's
                // write was never counted).
                rows.addRow(try Rows.write(ctx, sid: parent, actor: author, key: key, value: row.value, text: nil,
                                           baseVersion: row.forkVersion, budget: &budget))
                var left = branchWrites[author] ?? 0
                if branchWrites[author] == nil {
                    left = try db.scalar("SELECT row_writes FROM contributions WHERE sid = ? AND user_id = ?",
                                         [.integer(branch), .text(author)]) ?? 0
                }
                branchWrites[author] = max(0, left - 1)
                if left > 0 { ctx.count(sid: branch, user: author, ContributionCounts(rowWrites: -1)) }
            }
        }
        return rows
    }
}
