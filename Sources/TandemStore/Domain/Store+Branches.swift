import TandemJSON

/// The answer to merging a branch back.
public enum BranchMergeResult: Sendable, Equatable {
    /// Written: where the branch's new turns landed in the parent, and the keys of its changed
    /// rows (the parent's history has the turns themselves).
    case merged(BranchMergeSummary)
    /// Nothing written: rows whose three-way merge conflicts, by key: at most
    /// `StoreConfiguration.maxMergeConflictsReported` keys, the first in key byte order; `more`
    /// when other keys conflict too. Resolve by passing values for these keys in `resolutions`
    /// and merging again (which lists the next ones, if `more`).
    case conflict([String: [MergeConflict]], more: Bool)
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
        // The background work's own start: paced, so that its steps do not take it for others' traffic.
        let plan = try write(paced: true) { ctx throws(StoreError) in
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
    ///
    /// A merge of more than `importStepRows` rows and turns is written in steps of that many
    /// (`BranchMergeJob`): the first job holds both sessions (their writes wait, other sessions'
    /// commit between the steps), the rows are checked on a reader, then each step is a
    /// transaction of its own, followed by `onStep` (the server publishes the parent's log from
    /// it). Readers may see the merge under way: some of its rows and turns, in order.
    public func mergeBranch(branch: String, actor: String, resolutions: [String: JSONValue] = [:],
                            onStep: (@Sendable () -> Void)? = nil) throws(StoreError) -> BranchMergeResult {
        var resolved: [String: String] = [:]
        for (key, value) in resolutions { resolved[key] = try Validate.json(value, what: "resolution", max: configuration.maxRowValueBytes) }
        let resolvedTexts = resolved
        let stepRows = max(1, configuration.importStepRows)
        // The background work's own start: paced, so that its steps do not take it for others' traffic.
        let start = try write(paced: true) { ctx throws(StoreError) in
            try BranchMergeJob.begin(ctx, branch: branch, actor: actor, resolutions: resolutions, texts: resolvedTexts, stepRows: stepRows)
        }
        guard case .held(let target) = start else {
            if case .done(let result) = start { return result }
            preconditionFailure("a merge's start is done or held")
        }
        return try mergeInSteps(target, resolutions: resolutions, stepRows: stepRows, onStep: onStep)
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
            let unparented = try SessionReaper.hide(ctx, sid: ref.sid, actor: actor)
            try ctx.db.audit(actor: actor, action: .branchDiscard, sessionID: branch,
                             detail: ["parent": info.parentID.map(JSONValue.string) ?? .null], now: ctx.now)
            return ChangeSet(events: tail, lastEventSeq: info.lastEventSeq, unparentedBranches: unparented)
        }
    }
}

/// A branch and its parent, as a merge found them (every refusal but the rows' checked).
struct BranchMergeTarget: Sendable {
    var branchSid: Int64
    var branchID: String
    var parentSid: Int64
    var parentID: String
    var forkSeq: Int64
    /// The branch's log head when it was forked (nil: forked before migration 12, or imported).
    var forkEventSeq: Int64?
    /// The parent's log head when the merge's hold was put in place (set by `BranchMergeJob.begin`):
    /// every parent event after it up to the `branch_merge` event is the merge's.
    var parentHeldAt: Int64? = nil
}

enum Branches {
    /// The one-job merge: every check, the rows, the turns and the archive in one transaction.
    static func merge(_ ctx: WriteContext, branch: String, actor: String, resolutions: [String: JSONValue],
                      texts: [String: String]) throws(StoreError) -> BranchMergeResult {
        try merge(ctx, try target(ctx.db, branch: branch, actor: actor), actor: actor, resolutions: resolutions, texts: texts)
    }

    static func merge(_ ctx: WriteContext, _ target: BranchMergeTarget, actor: String, resolutions: [String: JSONValue],
                      texts: [String: String]) throws(StoreError) -> BranchMergeResult {
        // Plan every changed row before writing anything.
        let changed = try BranchChangedRows.load(ctx.db, branch: target.branchSid, forkEventSeq: target.forkEventSeq)
        let conflicts = try conflicts(ctx.db, changed, parent: target.parentSid, resolutions: resolutions,
                                      configuration: ctx.configuration)
        if !conflicts.isEmpty { return conflicts.result }
        var merged = try BranchMergeRows.write(ctx, rows: changed, branch: target.branchSid, parent: target.parentSid, actor: actor,
                                               resolutions: resolutions, texts: texts)
        merged.add(try BranchMergeTurns.append(ctx, branch: target.branchSid, parent: target.parentSid, parentID: target.parentID,
                                               forkSeq: target.forkSeq))
        let eventSeq = try finish(ctx, target, actor: actor, turns: merged.turnCount, rows: merged.rowResults)
        return .merged(merged.summary(eventSeq: eventSeq))
    }

    /// Resolves the branch and its parent and checks what refuses a merge before its rows: the
    /// branch is open and visible to `actor`, `actor` may merge into the parent, and the parent
    /// has not moved under the branch.
    static func target(_ db: Database, branch: String, actor: String) throws(StoreError) -> BranchMergeTarget {
        let branchRef = try db.sessionRef(branch, actor: actor)
        // Only what one can see can be merged: a non-member does not learn the branch exists.
        guard branchRef.role != nil else { throw try db.nonMemberRefusal(branchRef, actor: actor) }
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
        return BranchMergeTarget(branchSid: branchRef.sid, branchID: branch, parentSid: parent.sid, parentID: parentID,
                                 forkSeq: forkSeq, forkEventSeq: forkEventSeq)
    }

    /// The rows (without a resolution) whose three-way merge into the parent conflicts, by key:
    /// the first `maxMergeConflictsReported` (`changed` is in key byte order), reading on only
    /// until one more is found.
    static func conflicts(_ db: Database, _ changed: [BranchChangedRows.Row], parent: Int64, resolutions: [String: JSONValue],
                          configuration: StoreConfiguration) throws(StoreError) -> BranchMergeConflictList {
        var conflicts = BranchMergeConflictList(limit: configuration.maxMergeConflictsReported)
        // The rows' merges share one budget, as their writes will.
        var budget = MergeDiffBudget.branchMerge(configuration)
        for row in changed where resolutions[row.key] == nil && !conflicts.more {
            if case .conflict(_, let list, _) = try Rows.plan(db, sid: parent, key: row.key, value: row.value, baseVersion: row.forkVersion,
                                                           budget: &budget) {
                conflicts.add(row.key, list)
            }
        }
        return conflicts
    }

    /// The merge's last writes: the parent's `branch_merge` event, the branch archived as
    /// `merged` (with its `status` event, unless it was archived already), the audit entry.
    /// Returns the event's seq.
    static func finish(_ ctx: WriteContext, _ target: BranchMergeTarget, actor: String, turns: Int64,
                       rows: Int64) throws(StoreError) -> Int64 {
        let eventSeq = try ctx.recordEvent(sid: target.parentSid, kind: "branch_merge", actor: actor,
                                          data: ["branch": .string(target.branchID), "turns": .integer(turns), "rows": .integer(rows)])
        let wasArchived = try ctx.db.queryOne("SELECT status FROM sessions WHERE sid = ?", [.integer(target.branchSid)],
                                              { $0.text(0) }) == SessionStatus.archived.rawValue
        // An archived branch keeps the time it was archived: the merge does not archive it again.
        try ctx.db.run("UPDATE sessions SET branch_status = 'merged', status = 'archived', archived_at = coalesce(archived_at, ?) WHERE sid = ?",
                       [.integer(ctx.now), .integer(target.branchSid)])
        // Members following the branch learn it is archived, as with session.archive; once only:
        // a branch `session.archive` archived already told them (a second event changed nothing).
        if !wasArchived {
            try ctx.recordEvent(sid: target.branchSid, kind: "status", actor: actor, data: ["status": .string(SessionStatus.archived.rawValue)])
        }
        try ctx.db.audit(actor: actor, action: .branchMerge, sessionID: target.parentID, target: target.branchID, now: ctx.now)
        return eventSeq
    }
}
