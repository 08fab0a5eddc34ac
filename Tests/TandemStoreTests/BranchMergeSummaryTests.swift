import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A merge answers a summary (`BranchMergeSummary`), not the merged turns: it must name exactly
/// what the parent's history got, whichever path wrote it (one job, steps, the steps finished by
/// another process), and what the branch had to give.
@Suite struct BranchMergeSummaryTests {
    /// What the parent's log shows of the merge: the turns and the keys of the `state` events after
    /// `head` and before the merge's `branch_merge` event, and that event's seq.
    private func fromTheLog(_ store: Store, after head: Int64) throws -> (turns: [Turn], rowKeys: [String], eventSeq: Int64?) {
        let events = try store.changes(session: "s1", actor: "alice", since: head, limit: 100_000).events
        guard let end = events.first(where: { $0.kind == .branchMerge }) else { return ([], [], nil) }
        let merge = events.filter { $0.eventSeq < end.eventSeq }
        return (merge.compactMap(\.turn), Set(merge.compactMap { $0.kind == .state ? $0.row?.key : nil }).sorted(), end.eventSeq)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func theSummaryIsWhatTheParentsHistoryGot(seed: UInt64) throws {
        var summaries: [BranchMergeSummary] = []
        for stepRows in [1_000_000, Int(seed % 3) + 2] {
            try withStore(clock: TestClock(), configure: { $0.importStepRows = stepRows }) { store in
                try BranchMergeScenario.build(store, seed: seed)
                let head = try store.session(id: "s1").lastEventSeq
                let forkSeq = try store.session(id: "b1").forkSeq ?? 0
                let branchTurns = try store.turns(session: "b1", actor: "alice", after: forkSeq, limit: 10_000).map(\.content)
                guard case .merged(let summary) = try BranchMergeScenario.merge(store).last else { Issue.record("not merged"); return }
                let log = try fromTheLog(store, after: head)
                #expect(log.eventSeq == summary.eventSeq)
                #expect(summary.turnCount == Int64(log.turns.count) && summary.turnCount == Int64(branchTurns.count))
                #expect(summary.firstSeq == log.turns.first?.seq && summary.lastSeq == log.turns.last?.seq)
                #expect(log.turns.map(\.content) == branchTurns) // the branch's live turns, in order
                #expect(log.turns.map(\.seq) == Array((summary.firstSeq ?? 1)...(summary.lastSeq ?? 0))) // one block
                #expect(summary.rowKeys == log.rowKeys)
                // The parent's history read by the summary's seqs is the same block.
                #expect(try mergedTurns(store, parent: "s1", summary) == log.turns)
                summaries.append(summary)
            }
        }
        #expect(summaries.count == 2 && summaries[0] == summaries[1]) // one job and steps answer alike
    }

    /// Another process (a tandem-admin opening the file with no tandemd running) finishes the merge
    /// after the merger's first step: the merger's next step finds the job gone, and its answer is
    /// still the whole merge's, as the one-job merge answers it (it was the turns of its own step).
    @Test func aMergeAnotherProcessFinishedAnswersTheWholeMerge() throws {
        let seed: UInt64 = 5
        let reference = try withStore(clock: TestClock(), configure: { $0.importStepRows = 1_000_000 }) { store in
            try BranchMergeScenario.build(store, seed: seed)
            return try BranchMergeScenario.merge(store).last
        }
        guard case .merged(let whole) = reference, whole.turnCount > 6 else { Issue.record("reference \(reference)"); return }
        try withStore(clock: TestClock(), configure: { $0.importStepRows = 3 }) { store in
            try BranchMergeScenario.build(store, seed: seed)
            var other = StoreConfiguration(path: store.configuration.path)
            other.clock = store.configuration.clock
            other.importStepRows = 3
            let config = other
            let steps = Mutex(0)
            let finishedElsewhere = Mutex(false)
            let result = try BranchMergeScenario.merge(store) { @Sendable () -> Void in
                guard steps.withLock({ $0 += 1; return $0 }) == 1 else { return }
                do {
                    let admin = try Store(config) // finishes the merge before it returns
                    admin.close()
                    finishedElsewhere.withLock { $0 = true }
                } catch {
                    Issue.record("the other store did not open: \(error)")
                }
            }.last
            #expect(finishedElsewhere.withLock { $0 })
            #expect(steps.withLock { $0 } == 2) // its own first step, then the one that found the job gone
            #expect(result == reference)
        }
    }

    /// A branch forked before the fork marks were kept merges in one job whatever its size; its
    /// turns are loaded a chunk (`BranchMergeTurns.chunkTurns`) at a time, and all of them land,
    /// in order, across the chunks' edges.
    @Test func aOneJobMergeOfManyTurnsTakesThemAllAChunkAtATime() throws {
        let count = BranchMergeTurns.chunkTurns * 2 + 500
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "root"))
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            try store.write { ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET fork_event_seq = NULL, fork_parent_event_seq = NULL WHERE id = 'b1'")
            }
            // The first chunk's last turn undone: that chunk ends a turn further, and the next starts after it.
            let edge = BranchMergeTurns.chunkTurns
            _ = try store.appendTurns(session: "b1", actor: "bob", (0..<edge).map { NewTurn(role: .user, content: "t\($0)") })
            _ = try store.undoLastTurn(session: "b1", actor: "bob")
            _ = try store.appendTurns(session: "b1", actor: "bob", (edge..<count).map { NewTurn(role: .user, content: "t\($0)") })
            let batches = store.writer.batches
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else { Issue.record("not merged"); return }
            #expect(store.writer.batches - batches == 1) // one job
            #expect(summary.firstSeq == 2 && summary.lastSeq == Int64(count) && summary.turnCount == Int64(count - 1))
            let expected = (0..<count).filter { $0 != edge - 1 }.map { "t\($0)" }
            #expect(try mergedTurns(store, parent: "s1", summary).map(\.content) == expected)
        }
    }
}
