import Foundation
import TandemJSON

/// A branch merge too big for one job, driven from the merger's thread (`BranchMergeJob` holds the
/// state): the rows checked on a reader, then the steps; and the merges a previous process left
/// under way, finished at open.
extension Store {
    /// The rest of `mergeBranch` once its first job holds `target`: the plan, then the steps.
    func mergeInSteps(_ target: BranchMergeTarget, resolutions: [String: JSONValue], stepRows: Int,
                      onStep: (@Sendable () -> Void)?) throws(StoreError) -> BranchMergeResult {
        mergesUnderWay.withLock { _ = $0.insert(target.branchSid) }
        defer { mergesUnderWay.withLock { _ = $0.remove(target.branchSid) } }
        let conflicts: BranchMergeConflictList
        do throws(StoreError) {
            let config = configuration
            conflicts = try read { db throws(StoreError) in
                try BranchMergePlan.check(db, target, resolutions: resolutions, configuration: config)
            }
        } catch {
            _ = try? write(pastQueueLimit: true) { ctx throws(StoreError) in try BranchMergeJob.drop(ctx, branch: target.branchSid) }
            throw error
        }
        if !conflicts.isEmpty {
            try write(pastQueueLimit: true) { ctx throws(StoreError) in try BranchMergeJob.drop(ctx, branch: target.branchSid) }
            return conflicts.result
        }
        // The steps' tallies, not their turns: the answer is a few numbers and the first row keys.
        var merged = BranchMergeTally(keep: configuration.maxMergeRowsReported)
        while true {
            let step: BranchMergeJob.Step
            do throws(StoreError) {
                step = try mergeStep(branch: target.branchSid, limit: stepRows)
            } catch {
                throw Self.continuesInBackground(target, error)
            }
            merged.add(step.merged)
            onStep?()
            if let eventSeq = step.finished { return .merged(merged.summary(eventSeq: eventSeq)) }
            if let reason = step.ended { throw StoreError(.invalidState, reason) }
            if step.gone {
                // Another process (tandem-admin opening the database) finished it: the whole
                // merge, its steps and this one's, read back from the parent's log.
                let keep = configuration.maxMergeRowsReported
                guard let summary = try read({ db throws(StoreError) in try BranchMergeSummary.read(db, target, keep: keep) }) else {
                    throw StoreError(.invalidState, "the merge was ended by another process before it merged everything "
                                     + "(the branch or its parent was deleted); what was merged stays in the parent")
                }
                return .merged(summary)
            }
        }
    }

    /// What the merger hears when a step keeps failing: the job and its hold stay, so the merge is
    /// not refused but will be finished by `finishStaleMerges` (or the next open). `busy` (the
    /// wire's `unavailable`) says so, and that a retry is not needed; it names the step's error by
    /// its code only (its message may hold SQLite's words, which the wire keeps from clients). A
    /// store closing (`closed`) is left as it is (the next open finishes the merge).
    static func continuesInBackground(_ target: BranchMergeTarget, _ error: StoreError) -> StoreError {
        guard error.kind != .closed else { return error }
        return StoreError(.busy, "the merge of branch \(target.branchID) into \(target.parentID) is under way and will be "
                          + "finished in the background within a few minutes (a step failed: \(error.code)); do not retry: "
                          + "the branch's session event (status archived) says when it is done")
    }

    /// One step of the merge of `branch`, tried again a second later (three times at most) when it
    /// fails: a step that keeps failing leaves the job, and the hold, to `finishStaleMerges` or
    /// the next open.
    private func mergeStep(branch: Int64, limit: Int) throws(StoreError) -> BranchMergeJob.Step {
        var attempt = 0
        while true {
            do throws(StoreError) {
                // Past the queue's limit: the writes filling it may be the ones waiting for this merge.
                return try writeStep(pastQueueLimit: true) { ctx throws(StoreError) in
                    try BranchMergeJob.step(ctx, branch: branch, limit: limit)
                }
            } catch {
                attempt += 1
                if error.kind == .closed || attempt >= 3 { throw error }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// Finishes merges whose job nobody has advanced for a minute and that this process is not
    /// running (its merger's steps failed, or the process that ran them died while this one
    /// runs). tandemd calls it once a minute; one indexed read when there is none.
    public func finishStaleMerges() throws(StoreError) {
        try resumeMerges(staleAfterMilliseconds: 60_000)
    }

    /// Finishes the merges a previous process left under way (at open; with
    /// `staleAfterMilliseconds`, only those not advanced for that long): a merge still planning
    /// is checked again on a reader and dropped if the check refuses it, the others are rolled
    /// forward, a step at a time.
    func resumeMerges(staleAfterMilliseconds: Int64? = nil) throws(StoreError) {
        let stepRows = max(1, configuration.importStepRows)
        let now = self.now
        let pending = try read { db throws(StoreError) in try BranchMergeJob.pending(db) }
        for (branch, phase, updatedAt) in pending {
            if let stale = staleAfterMilliseconds, now - updatedAt < stale { continue }
            guard mergesUnderWay.withLock({ $0.insert(branch).inserted }) else { continue }
            defer { mergesUnderWay.withLock { _ = $0.remove(branch) } }
            if phase == "plan" {
                // Cut off while its rows were checked (or being checked by a process still at it):
                // checked again here; a merge they refuse is dropped, as its merger would have.
                let config = configuration
                let fine = try read { db throws(StoreError) -> Bool in
                    let parent = try db.scalar("SELECT parent_sid FROM branch_merges WHERE branch_sid = ?", [.integer(branch)])
                    guard let parent, let target = try BranchMergeJob.liveTarget(db, branch: branch, parent: parent) else { return false }
                    let resolutions = try db.queryOne("SELECT resolutions FROM branch_merges WHERE branch_sid = ?", [.integer(branch)]) {
                        row throws(StoreError) in try row.json(0)
                    }
                    do throws(StoreError) {
                        return try BranchMergePlan.check(db, target, resolutions: resolutions?.objectValue ?? [:], configuration: config).isEmpty
                    } catch {
                        return false
                    }
                }
                if !fine {
                    try write(pastQueueLimit: true) { ctx throws(StoreError) in try BranchMergeJob.drop(ctx, branch: branch) }
                    continue
                }
            }
            while true {
                let step = try mergeStep(branch: branch, limit: stepRows)
                if step.finished != nil || step.ended != nil || step.gone { break }
            }
        }
    }
}
