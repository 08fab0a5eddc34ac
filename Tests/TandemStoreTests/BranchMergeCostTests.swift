import Testing
import TandemJSON
@testable import TandemStore

/// A branch merge must cost what the branch changed, not what the session holds: it runs on the
/// single writer, and every other session's writes wait for it. Measured in SQLite VM steps on
/// the writer's connection, which no clock disturbs.
@Suite struct BranchMergeCostTests {
    @Test func mergingAnUnchangedBranchCostsTheSameWhateverTheSessionsRows() throws {
        let small = try mergeOfUnchangedBranch(rows: 10)
        let big = try mergeOfUnchangedBranch(rows: 3_000)
        // Reading every row of the branch, or every event of the parent, takes several steps a row.
        #expect(big - small < 300, "VM steps of the merge: \(small) with 10 rows, \(big) with 3,000")
    }

    @Test func aBranchForkedBeforeItsMarksWereKeptMergesAsOneForkedAfter() throws {
        // Migration 12 added the marks; older (and imported) branches have none and are compared
        // with their fork's rows whole. Both must give the same answer.
        func scenario(marks: Bool) throws -> (merged: BranchMergeSummary?, parent: [StateRow], conflicts: [String]) {
            // One clock for both: times (and so the results) must be alike.
            try withStore(clock: TestClock()) { store in
                try makeSession(store)
                _ = try store.writeRow(session: "s1", actor: "bob", key: "kept", value: 1, baseVersion: 0)
                _ = try store.writeRow(session: "s1", actor: "bob", key: "twice", value: ["a": 1, "b": 1], baseVersion: 0)
                _ = try store.writeRow(session: "s1", actor: "bob", key: "clash", value: "x", baseVersion: 0)
                _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t1"))
                _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
                if !marks {
                    try store.write { ctx throws(StoreError) in
                        try ctx.db.run("UPDATE sessions SET fork_event_seq = NULL, fork_parent_event_seq = NULL WHERE id = 'b1'")
                    }
                }
                _ = try store.writeRow(session: "b1", actor: "bob", key: "twice", value: ["a": 2, "b": 1], baseVersion: 1)
                _ = try store.writeRow(session: "b1", actor: "alice", key: "twice", value: ["a": 3, "b": 1], baseVersion: 2)
                _ = try store.writeRow(session: "b1", actor: "alice", key: "new", value: true, baseVersion: 0)
                _ = try store.writeRow(session: "b1", actor: "alice", key: "clash", value: "branch", baseVersion: 1)
                _ = try store.writeRow(session: "s1", actor: "alice", key: "twice", value: ["a": 1, "b": 5], baseVersion: 1)
                _ = try store.writeRow(session: "s1", actor: "alice", key: "clash", value: "parent", baseVersion: 1)
                guard case .conflict(let conflicts, _) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                    Issue.record("expected a conflict on clash")
                    return (nil, [], [])
                }
                let result = try store.mergeBranch(branch: "b1", actor: "alice", resolutions: ["clash": "settled"])
                guard case .merged(let summary) = result else { Issue.record("\(result)"); return (nil, [], []) }
                return (summary, try store.stateRows(session: "s1", actor: "alice"), conflicts.keys.sorted())
            }
        }
        let marked = try scenario(marks: true)
        let unmarked = try scenario(marks: false)
        #expect(marked.conflicts == ["clash"])
        #expect(marked.merged?.rowKeys == ["clash", "new", "twice"] && marked.merged == unmarked.merged)
        #expect(marked.parent == unmarked.parent)
        #expect(marked.parent.first { $0.key == "twice" }?.value == ["a": 3, "b": 5])
    }

    /// Merges a branch that changed no row (one turn) of a session with `rows` rows; checks it
    /// wrote no row version and no `state` event, and returns its VM steps on the writer.
    private func mergeOfUnchangedBranch(rows: Int) throws -> Int64 {
        try withStore { store in
            try makeSession(store)
            try store.write { ctx throws(StoreError) in
                let sid = try ctx.db.scalar("SELECT sid FROM sessions WHERE id = 's1'") ?? 0
                for i in 0..<rows {
                    _ = try Rows.store(ctx, sid: sid, actor: "bob", key: "row-\(i)", value: ["n": .integer(Int64(i))],
                                       text: nil, version: 1, merged: false)
                }
            }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "before the fork"))
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "before the fork, again"))
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "on the branch"))
            let head = try store.session(id: "s1").lastEventSeq
            let history = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM state_history") ?? 0 }
            let before = try store.write { ctx throws(StoreError) in ctx.db.virtualMachineSteps }
            let result = try store.mergeBranch(branch: "b1", actor: "alice")
            let steps = try store.write { ctx throws(StoreError) in ctx.db.virtualMachineSteps } - before
            guard case .merged(let summary) = result else { Issue.record("\(result)"); return 0 }
            #expect(try mergedTurns(store, parent: "s1", summary).map(\.content) == ["on the branch"] && summary.rowKeys.isEmpty)
            #expect(try store.changes(session: "s1", actor: "alice", since: head).events.map(\.kind) == [.turn, .branchMerge])
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM state_history") ?? 0 } == history)
            return steps
        }
    }
}
