/// The writer's side of `StoreConfiguration.mergeWait`: parked writes told of after a while, and
/// answered `busy` past the limit. Checked each time the writer's loop comes round, which it does
/// at least every `parkedPollSeconds` while writes are parked.
extension StoreWriter {
    /// Parked writes to tell of (`notice`) and those past the limit (taken out of `parked`).
    struct MergeWaitsDue {
        var notice: [(job: WriteJob, sid: Int64, waited: Duration)] = []
        var overdue: [(job: WriteJob, sid: Int64, waited: Duration)] = []
        var isEmpty: Bool { notice.isEmpty && overdue.isEmpty }
    }

    /// Under `condition`, on the writer thread: stamps writes parked since the last look (their
    /// wait counts from their first parking, so a write parked again by a later merge is bounded
    /// too), and takes out those waiting past `policy.limit`.
    func takeMergeWaitsDue(_ policy: MergeWaitPolicy, now: ContinuousClock.Instant) -> MergeWaitsDue {
        var due = MergeWaitsDue()
        guard !parked.isEmpty else { return due }
        for entry in parked {
            let since = entry.job.parkedSince ?? now
            entry.job.parkedSince = since
            let waited = now - since
            if waited >= policy.limit {
                due.overdue.append((entry.job, entry.sid, waited))
            } else if waited >= policy.noticeAfter && !entry.job.toldOfMergeWait {
                entry.job.toldOfMergeWait = true
                due.notice.append((entry.job, entry.sid, waited))
            }
        }
        guard !due.overdue.isEmpty else { return due }
        let gone = Set(due.overdue.map { ObjectIdentifier($0.job) })
        parked.removeAll { gone.contains(ObjectIdentifier($0.job)) }
        parkedBlocking -= due.overdue.reduce(0) { $0 + ($1.job.blocksCaller ? 1 : 0) }
        return due
    }

    /// On the writer thread, `condition` not held: tells of the writes due and answers the overdue
    /// ones. A write whose merge had just ended is not told of (the next commit releases it; a
    /// later merge may tell of it again), and one whose time ran out then is queued again instead.
    func answerMergeWaits(_ due: MergeWaitsDue, _ policy: MergeWaitPolicy) {
        for (job, sid, waited) in due.notice {
            let wait = mergeWait(on: sid, waited: waited)
            guard wait.into != nil else {
                job.toldOfMergeWait = false
                continue
            }
            policy.notice(wait)
        }
        var ended: [WriteJob] = []
        for (job, sid, waited) in due.overdue {
            let wait = mergeWait(on: sid, waited: waited)
            guard wait.into != nil else {
                ended.append(job)
                continue
            }
            var error = StoreError(.busy, wait.refusal(after: MergeWait.seconds(policy.limit.timeInterval)))
            error.mergeWait = wait
            completer.deliver([job], error: error)
        }
        guard !ended.isEmpty else { return }
        condition.lock()
        queue.insert(contentsOf: ended, at: 0)
        condition.signal()
        condition.unlock()
    }

    /// Names `sid` and the merge holding it, read on the writer's connection between batches.
    private func mergeWait(on sid: Int64, waited: Duration) -> MergeWait {
        let session = try? context.db.queryOne("SELECT id FROM sessions WHERE sid = ?", [.integer(sid)]) { $0.text(0) }
        let merge = try? context.db.queryOne("""
            SELECT b.id, p.id FROM branch_merges m JOIN sessions b ON b.sid = m.branch_sid JOIN sessions p ON p.sid = m.parent_sid
            WHERE ?1 IN (m.branch_sid, m.parent_sid)
            """, [.integer(sid)]) { ($0.text(0), $0.text(1)) }
        return MergeWait(session: session ?? "#\(sid)", branch: merge?.0, into: merge?.1, waited: waited)
    }
}
