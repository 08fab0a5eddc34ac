import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Background work in steps pauses after a step only when other writes wanted the writer
/// (`StepPause`), on a real store: a branch merge in steps alone on the store runs its steps back
/// to back, writes parked behind its hold do not slow it, and a poster to another session keeps
/// its share. Asserted on the decisions `writeStep` recorded (`Store.stepPauses`), not on time.
@Suite struct StepPauseStoreTests {
    /// Parent `s1` with a branch `b1` of `turns` new turns (steps of 100: `turns / 100` steps and
    /// more), and a session `s2` beside them; then the store left alone for longer than
    /// `StepPause.window`, so that the posts written here are not recent traffic for the merge.
    private func branch(_ store: Store, turns: Int) throws {
        try makeSession(store)
        try makeSession(store, id: "s2")
        _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "root"))
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        for chunk in stride(from: 0, to: turns, by: 1000) {
            _ = try store.appendTurns(session: "b1", actor: "bob", (chunk..<min(turns, chunk + 1000)).map {
                NewTurn(role: .user, content: "branch turn \($0)")
            })
        }
        Thread.sleep(forTimeInterval: (StepPause.window + .milliseconds(50)).timeInterval)
        store.stepPauses.withLock { $0 = StepPauseCounts() } // the fork's own steps left out
    }

    /// Merges `b1` while a thread posts to `s2`, one post at a time, `gap` seconds apart (0: back
    /// to back), the merge starting once `startingAfter` posts are in.
    private func mergeBesidePoster(_ store: Store, gap: Double, startingAfter: Int) throws -> BranchMergeSummary? {
        let done = Atomic<Bool>(false)
        let posted = Atomic<Int>(0)
        let poster = Thread {
            while !done.load(ordering: .relaxed) {
                if (try? store.appendTurn(session: "s2", actor: "bob", NewTurn(role: .user, content: "elsewhere"))) != nil {
                    posted.add(1, ordering: .relaxed)
                }
                if gap > 0 { Thread.sleep(forTimeInterval: gap) }
            }
        }
        poster.start()
        defer { done.store(true, ordering: .relaxed) }
        while posted.load(ordering: .relaxed) < startingAfter { Thread.sleep(forTimeInterval: 0.001) }
        return merged(try store.mergeBranch(branch: "b1", actor: "alice"))
    }

    private func merged(_ result: BranchMergeResult) -> BranchMergeSummary? {
        if case .merged(let summary) = result { return summary }
        return nil
    }

    /// A pause factor of 50 would make each ~ms step wait 50 times as long: none is taken.
    @Test func aMergeAloneOnTheStoreRunsItsStepsBackToBack() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.stepPause = 50 }) { store in
            try branch(store, turns: 3_000)
            let summary = merged(try store.mergeBranch(branch: "b1", actor: "alice"))
            #expect(summary?.turnCount == 3_000)
            let counts = store.stepPauses.withLock { $0 }
            #expect(counts.steps >= 30)
            #expect(counts.idle == counts.steps - counts.walIsLong && counts.shared == 0 && counts.always == 0)
            #expect(counts.walIsLong == 0 ? counts.paused == .zero : counts.paused > .zero)
        }
    }

    /// The same merge with the adaptation off (as `tandem-admin` runs beside a server) pauses
    /// after every step: the decisions the test above reads do tell the two apart.
    @Test func withoutAdaptingEveryStepPauses() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.stepPause = 1; $0.adaptiveStepPause = false }) { store in
            try branch(store, turns: 3_000)
            #expect(merged(try store.mergeBranch(branch: "b1", actor: "alice"))?.turnCount == 3_000)
            let counts = store.stepPauses.withLock { $0 }
            #expect(counts.steps >= 30 && counts.always + counts.walIsLong == counts.steps && counts.idle == 0)
            #expect(counts.paused > .zero)
        }
    }

    /// Posts to the parent made during the merge are parked behind its hold: they wait for the
    /// merge itself, so they do not make it pause (and land after the merged block).
    @Test func writesParkedBehindTheMergeDoNotMakeItPause() throws {
        let answers = Answers()
        let counts = try withStore(configure: { $0.importStepRows = 100; $0.stepPause = 50 }) { store in
            try branch(store, turns: 3_000)
            // After the first step, with the hold in place: 20 posts to the parent at once.
            let summary = merged(try store.mergeBranch(branch: "b1", actor: "alice", onStep: answers.postOnce(store)))
            #expect(summary?.turnCount == 3_000)
            return store.stepPauses.withLock { $0 }
        }
        #expect(counts.steps >= 30, "\(counts)")
        // Every step but the last ran at once. The last lifted the hold: the posts it released
        // were served, and that pause is theirs.
        let beforeLast = answers.tallies.withLock { $0.dropLast().last } ?? StepPauseCounts()
        #expect(beforeLast.steps == counts.steps - 1 && beforeLast.shared == 0 && beforeLast.always == 0, "\(beforeLast)")
        #expect(counts.shared <= 1)
        // (The store's close finished the parked posts.)
        #expect(answers.seqs == Array(3_002...3_021)) // after root and the 3,000 merged turns
    }

    /// A poster to another session, one post at a time for the whole merge: the steps keep their
    /// pause, and its posts commit between them (turn ids in the middle of the merged block's).
    @Test func aPosterToAnotherSessionKeepsThePauseAndIsServedBetweenSteps() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.stepPause = 1 }) { store in
            try branch(store, turns: 3_000)
            let summary = try mergeBesidePoster(store, gap: 0, startingAfter: 3)
            #expect(summary?.turnCount == 3_000)
            let counts = store.stepPauses.withLock { $0 }
            #expect(counts.steps >= 30 && counts.shared >= 1 && counts.paused > .zero)
            let between: Int64 = try store.read { db throws(StoreError) in
                try db.scalar("""
                    WITH block AS (SELECT min(id) AS lo, max(id) AS hi FROM turns
                                   WHERE sid = (SELECT sid FROM sessions WHERE id = 's1') AND seq >= 2)
                    SELECT count(*) FROM turns, block WHERE sid = (SELECT sid FROM sessions WHERE id = 's2')
                                                        AND id > block.lo AND id < block.hi
                    """) ?? 0
            }
            #expect(between >= 1)
        }
    }

    /// Light traffic: a post to another session every 20 ms, most of them served in a pause or
    /// between steps rather than during one. Seen within `StepPause.window`, they keep the
    /// steps pausing (without the window, the steps that saw none ran back to back and such
    /// posts waited a step's length more often: over the wire their p99 doubled).
    @Test func lightTrafficElsewhereKeepsThePauseOn() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.stepPause = 1 }) { store in
            try branch(store, turns: 3_000)
            let summary = try mergeBesidePoster(store, gap: 0.02, startingAfter: 1)
            #expect(summary?.turnCount == 3_000)
            let counts = store.stepPauses.withLock { $0 }
            // Every step is within 250 ms of a post unless the poster's thread went unscheduled
            // that long; most must have paused.
            #expect(counts.steps >= 30 && counts.shared > 3 * counts.idle, "\(counts)")
        }
    }

    /// Another connection (another process, as `tandem-admin`) holding the write lock makes the
    /// writer's next transaction wait: counted, so that steps then leave it the lock in pauses.
    @Test func aWriteThatWaitedForAnotherConnectionsLockIsCounted() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        try createTestUsers(store)
        try makeSession(store)
        let before = store.writer.activity.lockWaits
        _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "alone"))
        #expect(store.writer.activity.lockWaits == before)
        let other = try Database(path: dir.dbPath)
        try other.execute("BEGIN IMMEDIATE")
        let answered = DispatchSemaphore(value: 0)
        store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "after the other's commit")]) { _ in
            answered.signal()
        }
        Thread.sleep(forTimeInterval: 0.03) // the writer's BEGIN waits meanwhile
        try other.execute("COMMIT")
        answered.wait()
        #expect(store.writer.activity.lockWaits == before + 1)
    }
}

/// Answers to posts, collected from the completion thread.
private final class Answers: Sendable {
    private let list = Mutex<[Result<AppendResult, StoreError>]>([])
    private let called = Atomic<Bool>(false)
    /// The store's step decisions as each call of `postOnce`'s closure found them.
    let tallies = Mutex<[StepPauseCounts]>([])

    /// True the first time only.
    func firstCall() -> Bool { !called.exchange(true, ordering: .relaxed) }
    func add(_ result: Result<AppendResult, StoreError>) { list.withLock { $0.append(result) } }

    /// A merge's `onStep` that posts 20 turns to the parent `s1` at its first call, and notes the
    /// step decisions at each.
    func postOnce(_ store: Store) -> @Sendable () -> Void {
        { [self] in
            tallies.withLock { $0.append(store.stepPauses.withLock { $0 }) }
            guard firstCall() else { return }
            for i in 0..<20 {
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "parked \(i)")]) { [self] result in
                    add(result)
                }
            }
        }
    }
    /// The seqs the posts got, sorted (failed posts left out).
    var seqs: [Int64] {
        list.withLock { results in results.compactMap { (result) -> Int64? in (try? result.get())?.turns.first?.seq } }.sorted()
    }
}
