import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A merge's answer does not grow with the branch: it names at most `maxMergeRowsReported` merged
/// row keys (the first in key byte order) and counts them all, and at most
/// `maxMergeConflictsReported` conflicting keys, saying when more conflict. (Before: every merged
/// key, held by the merger until the merge ended, and no word of the conflicts left unlisted.)
@Suite struct BranchMergeAnswerBoundsTests {
    private static func key(_ n: Int) -> String { "k" + String(String(n + 100_000).dropFirst()) }

    /// Writes `keys` in `session` at once (one group commit, not a round trip each).
    private func write(_ store: Store, _ session: String, _ keys: [String], value: JSONValue, baseVersion: Int64) {
        let group = DispatchGroup()
        let failures = Mutex(0)
        for key in keys {
            group.enter()
            store.writeRow(session: session, actor: "bob", key: key, value: value, baseVersion: baseVersion) { result in
                if case .failure = result { failures.withLock { $0 += 1 } }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.withLock { $0 } == 0)
    }

    /// Branch `b1` of `s1` writing `count` new keys, in the reverse of their byte order (the
    /// answer's order is the keys', not the writes').
    private func branchWithRows(_ store: Store, count: Int) throws -> Int64 {
        try makeSession(store)
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        write(store, "b1", (0..<count).reversed().map(Self.key), value: ["v": 1], baseVersion: 0)
        return try store.session(id: "s1").lastEventSeq
    }

    /// 1,500 rows merged, one job or steps of 100: the answer lists the first 1,000 keys in byte
    /// order and counts 1,500.
    @Test(arguments: [100, 1_000_000])
    func aBigMergeListsTheFirstKeysAndCountsThemAll(stepRows: Int) throws {
        try withStore(configure: { $0.importStepRows = stepRows }) { store in
            _ = try branchWithRows(store, count: 1_500)
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else { Issue.record("not merged"); return }
            #expect(summary.rowCount == 1_500 && summary.moreRows)
            #expect(summary.rowKeys == (0..<1_000).map(Self.key))
            #expect(try store.stateRows(session: "s1", actor: "alice").count == 1_500) // all merged, only the answer is short
        }
    }

    /// The answer a merger reads back from the parent's log (its job finished by another process)
    /// is bounded the same way and equals the merger's own.
    @Test func theAnswerReadBackFromTheLogIsBoundedAlike() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.maxMergeRowsReported = 7 }) { store in
            let held = try branchWithRows(store, count: 250)
            let (branchSid, parentSid) = try store.read { db throws(StoreError) in
                (try db.scalar("SELECT sid FROM sessions WHERE id = 'b1'") ?? 0, try db.scalar("SELECT sid FROM sessions WHERE id = 's1'") ?? 0)
            }
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else { Issue.record("not merged"); return }
            #expect(summary.rowCount == 250 && summary.rowKeys == (0..<7).map(Self.key))
            let target = BranchMergeTarget(branchSid: branchSid, branchID: "b1", parentSid: parentSid, parentID: "s1", forkSeq: 0,
                                           forkEventSeq: nil, parentHeldAt: held)
            let read = try store.read { db throws(StoreError) in try BranchMergeSummary.read(db, target, keep: 7) }
            #expect(read == summary)
        }
    }

    /// The tally a merge keeps while it runs holds at most `keep` keys, however many rows and
    /// steps are added: the merger's memory is bounded too.
    @Test func theTallyKeepsAtMostItsKeys() {
        var whole = BranchMergeTally(keep: 3)
        for step in 0..<4 {
            var part = BranchMergeTally(keep: 3)
            for n in 0..<5 { part.addKey(Self.key(step * 5 + n)) }
            #expect(part.rowKeys.count == 3 && part.rowCount == 5)
            whole.add(part)
        }
        #expect(whole.rowKeys == (0..<3).map(Self.key) && whole.rowCount == 20)
        #expect(whole.summary(eventSeq: 1).rowKeys == (0..<3).map(Self.key))
    }

    /// `conflicting` keys conflict (both sides changed them since the fork); `s1` also has
    /// `clean` keys only the branch changed.
    private func conflicts(_ store: Store, conflicting: Int, clean: Int = 0) throws {
        try makeSession(store)
        let keys = (0..<conflicting).map { Self.key(2 * $0) }
        write(store, "s1", keys, value: ["v": 0], baseVersion: 0)
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        write(store, "b1", keys, value: ["v": 2], baseVersion: 1)
        write(store, "b1", (0..<clean).map { Self.key(2 * $0 + 1) }, value: ["v": 2], baseVersion: 0)
        write(store, "s1", keys, value: ["v": 1], baseVersion: 1)
    }

    /// 1,001 conflicting keys (one past `maxMergeConflictsReported`): the first 1,000 are listed,
    /// and `more` says there is another; one job or steps.
    @Test(arguments: [100, 1_000_000])
    func moreConflictsThanListedAreSaid(stepRows: Int) throws {
        try withStore(configure: { $0.importStepRows = stepRows }) { store in
            try conflicts(store, conflicting: 1_001, clean: 10)
            guard case .conflict(let byKey, let more) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("merged despite the conflicts"); return
            }
            #expect(more)
            #expect(RowKeyOrder.sorted(Array(byKey.keys)) == (0..<1_000).map { Self.key(2 * $0) })
            #expect(try store.session(id: "b1").branchStatus == "open")
        }
    }

    /// Exactly as many conflicting keys as are listed: all listed, and `more` false (the check
    /// looked for one more and found none); fewer: the same.
    @Test(arguments: [(100, 3), (1_000_000, 3), (100, 2), (1_000_000, 2)])
    func noMoreWhenEveryConflictIsListed(stepRows: Int, conflicting: Int) throws {
        try withStore(configure: { $0.importStepRows = stepRows; $0.maxMergeConflictsReported = 3 }) { store in
            try conflicts(store, conflicting: conflicting, clean: stepRows == 100 ? 300 : 10)
            guard case .conflict(let byKey, let more) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("merged despite the conflicts"); return
            }
            #expect(!more)
            #expect(byKey.count == conflicting)
        }
    }
}
