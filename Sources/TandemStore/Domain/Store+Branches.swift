import TandemJSON

/// The answer to merging a branch back.
public enum BranchMergeResult: Sendable, Equatable {
    /// Written: the branch's new turns (renumbered in the parent) and its changed rows.
    case merged(turns: [Turn], rows: [RowWriteResult], eventSeq: Int64)
    /// Nothing written: rows whose three-way merge conflicts, by key. Resolve by passing values
    /// for these keys in `resolutions` and merging again.
    case conflict([String: [MergeConflict]])
}

extension Store {
    /// Forks `session` at turn `atSeq` (default: its last turn) into a new session that starts as
    /// a copy: the same members and roles, the turns up to `atSeq` (same seqs), and the rows with
    /// their history as they stood when turn `atSeq` was the last (write+ on the source). The turns and
    /// then the rows are copied in steps (`BranchCopy`, `BranchForkRowSteps`): forking a long
    /// session never holds up other writes for long.
    public func createBranch(session: String, actor: String, atSeq: Int64? = nil, id: String? = nil,
                             title: String? = nil) throws(StoreError) -> Session {
        let newID = id ?? RandomID.make()
        try Validate.identifier(newID, what: "session id")
        if let title { try Validate.text(title, what: "title", max: configuration.maxTitleBytes, allowEmpty: true) }
        let plan = try write { ctx throws(StoreError) in
            try BranchCopy.begin(ctx, session: session, actor: actor, atSeq: atSeq, newID: newID, title: title)
        }
        let rows = max(1, configuration.importStepRows)
        do throws(StoreError) {
            var progress: (after: Int64, copied: Int64) = (0, 0)
            while true {
                let (after, copied) = progress
                guard let step = try writeStep({ ctx throws(StoreError) in
                    try BranchCopy.copy(ctx, plan, after: after, copied: copied, rows: rows)
                }) else { break }
                progress = (step.last, copied + step.count)
            }
            // The rows at the plan's mark, found on readers, then copied `rows` a step.
            let versions = try BranchForkRowSteps.versions(self, source: plan.sourceSid, mark: plan.rowMark, chunk: rows * 10)
            let copiedRows = try BranchForkRowSteps.copy(self, plan, versions: versions, copiedTurns: progress.copied, rows: rows)
            return try write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan, rows: copiedRows) }
        } catch {
            _ = try? write { ctx throws(StoreError) in try SessionImport.abandon(ctx, sid: plan.sid) }
            throw error
        }
    }

    /// Merges an open branch into its parent (admin+ on the parent, a member of the branch): rows first (three-way against
    /// the fork point; any unresolved conflict means nothing is written; a merged row keeps its
    /// branch author), then the branch's live turns after the fork, appended in order with their
    /// nonces and comments (`BranchMergeTurns`). The branch is then archived as `merged`.
    /// `conflict` (nothing written, the branch stays open) when the parent moved under it: a turn
    /// at or before the fork point that is live in the branch was undone, cleared or rewound in
    /// the parent since the fork (`BranchParentMoved`).
    public func mergeBranch(branch: String, actor: String,
                            resolutions: [String: JSONValue] = [:]) throws(StoreError) -> BranchMergeResult {
        var resolved: [String: String] = [:]
        for (key, value) in resolutions { resolved[key] = try Validate.json(value, what: "resolution", max: configuration.maxRowValueBytes) }
        let resolvedTexts = resolved
        return try write { ctx throws(StoreError) in
            try Branches.merge(ctx, branch: branch, actor: actor, resolutions: resolutions, texts: resolvedTexts)
        }
    }

    /// Deletes an open branch (admin+ on the branch). Audited.
    /// Returns the branch's last event seq as the discard found it (see `deleteSession`).
    @discardableResult
    public func discardBranch(branch: String, actor: String) throws(StoreError) -> Int64 {
        try discardBranch(branch: branch, actor: actor, changesAfter: nil).lastEventSeq
    }

    /// `discardBranch`, also returning the branch's changes after `since`, as
    /// `deleteSession(id:actor:changesAfter:)` does.
    public func discardBranch(branch: String, actor: String, changesAfter since: Int64?) throws(StoreError) -> ChangeSet {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.branchDiscard, session: branch, actor: actor)
            let info = try SessionRows.load(ctx.db, sid: ref.sid)
            guard info.branchStatus == "open" else { throw StoreError(.invalidState, "\(branch) is not an open branch") }
            let tail = try Changes.tail(ctx.db, sid: ref.sid, sessionID: branch, after: since)
            try SessionReaper.hide(ctx, sid: ref.sid)
            try ctx.db.audit(actor: actor, action: "branch.discard", sessionID: branch,
                             detail: ["parent": info.parentID.map(JSONValue.string) ?? .null], now: ctx.now)
            return ChangeSet(events: tail, lastEventSeq: info.lastEventSeq)
        }
    }
}

enum Branches {
    static func merge(_ ctx: WriteContext, branch: String, actor: String, resolutions: [String: JSONValue],
                      texts: [String: String]) throws(StoreError) -> BranchMergeResult {
        let db = ctx.db
        let branchRef = try db.sessionRef(branch, actor: actor)
        // Only what one can see can be merged: a non-member does not learn the branch exists.
        guard branchRef.role != nil else { throw StoreError.notMemberOf(branch) }
        guard let (parentSid, forkSeq, status, forkEventSeq, parentMark) = try db.queryOne("""
            SELECT parent_sid, fork_seq, branch_status, fork_event_seq, fork_parent_event_seq FROM sessions WHERE sid = ?
            """, [.integer(branchRef.sid)], { ($0.optionalInt(0), $0.int(1), $0.optionalText(2), $0.optionalInt(3), $0.optionalInt(4)) }),
              let parentSid, status == "open"
        else { throw StoreError(.invalidState, "\(branch) is not an open branch") }
        guard let parentID = try db.queryOne("SELECT id FROM sessions WHERE sid = ?", [.integer(parentSid)], { $0.text(0) }) else {
            throw StoreError.notFound("parent of \(branch)")
        }
        let parent = try db.authorizeChange(.branchMerge, session: parentID, actor: actor)
        // The branch's turns answer the parent's turns up to the fork point: if the parent has
        // since undone, cleared or rewound any of them, its history no longer holds what they answer.
        if let seq = try BranchParentMoved.firstRetiredTurn(db, branch: branchRef.sid, parent: parent.sid, forkSeq: forkSeq,
                                                            parentMark: parentMark) {
            throw StoreError(.conflict, "the parent's turns up to the fork point (turn \(forkSeq)) changed since the fork: "
                             + "\(parentID) no longer has turn \(seq) (undone, cleared or rewound); \(branch) stays open")
        }
        // Plan every changed row before writing anything.
        let changed = try BranchChangedRows.load(db, branch: branchRef.sid, forkEventSeq: forkEventSeq)
        var conflicts: [String: [MergeConflict]] = [:]
        for row in changed where resolutions[row.key] == nil {
            if case .conflict(_, let list) = try Rows.plan(db, sid: parent.sid, key: row.key, value: row.value, baseVersion: row.forkVersion,
                                                           diffBudget: ctx.configuration.maxMergeDiffSteps) {
                conflicts[row.key] = list
            }
        }
        if !conflicts.isEmpty { return .conflict(conflicts) }

        var rows: [RowWriteResult] = []
        var branchWrites: [String: Int64] = [:] // row writes the branch counts, by author, left to move
        for row in changed {
            let (key, author) = (row.key, row.author)
            if let resolution = resolutions[key] {
                // The merger's own value: theirs to sign.
                let currentVersion = try RowRows.current(db, sid: parent.sid, key: key)?.version ?? 0
                rows.append(try Rows.write(ctx, sid: parent.sid, actor: actor, key: key, value: resolution,
                                           text: texts[key], baseVersion: currentVersion))
            } else {
                // The row keeps the author of its branch version (the merge event names the
                // merger), and the write moves like a turn: it counts in the parent for that
                // author, and no longer in the branch when the branch counted it (a restore's
                // write was never counted).
                rows.append(try Rows.write(ctx, sid: parent.sid, actor: author, key: key, value: row.value, text: nil,
                                           baseVersion: row.forkVersion))
                var left = branchWrites[author] ?? 0
                if branchWrites[author] == nil {
                    left = try db.scalar("SELECT row_writes FROM contributions WHERE sid = ? AND user_id = ?",
                                         [.integer(branchRef.sid), .text(author)]) ?? 0
                }
                branchWrites[author] = max(0, left - 1)
                if left > 0 { ctx.count(sid: branchRef.sid, user: author, ContributionCounts(rowWrites: -1)) }
            }
        }

        let appended = try BranchMergeTurns.append(ctx, branch: branchRef.sid, parent: parent.sid, parentID: parentID,
                                                   forkSeq: forkSeq)
        let eventSeq = try ctx.recordEvent(sid: parent.sid, kind: "branch_merge", actor: actor,
                                          data: ["branch": .string(branch), "turns": .integer(Int64(appended.count)),
                                                 "rows": .integer(Int64(rows.count))])
        try db.run("UPDATE sessions SET branch_status = 'merged', status = 'archived', archived_at = ? WHERE sid = ?",
                   [.integer(ctx.now), .integer(branchRef.sid)])
        // Members following the branch learn it is archived, as with session.archive.
        try ctx.recordEvent(sid: branchRef.sid, kind: "status", actor: actor, data: ["status": .string(SessionStatus.archived.rawValue)])
        try db.audit(actor: actor, action: "branch.merge", sessionID: parentID, target: branch, now: ctx.now)
        return .merged(turns: appended, rows: rows, eventSeq: eventSeq)
    }
}
