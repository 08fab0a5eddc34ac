import Testing
import TandemJSON
@testable import TandemStore

/// What docs/protocol.md says a merge writes to the parent's log, and what it leaves in the branch
/// (found by the model-based audit: the doc had the order as turns first; the server writes rows first).
@Suite struct BranchMergeEventOrderTests {
    /// Rows in key order, then each turn followed by its comments, then `branch_merge`: in one job
    /// and in steps (one record a step) alike.
    @Test(arguments: [500, 1])
    func rowsComeFirstThenEachTurnWithItsComments(stepRows: Int) throws {
        try withStore(configure: { $0.importStepRows = stepRows }) { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "kick-off"))
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.appendTurns(session: "b1", actor: "bob", [NewTurn(role: .user, content: "one"),
                                                                    NewTurn(role: .user, content: "two")])
            _ = try store.addComment(session: "b1", actor: "carol", turnSeq: 3, body: "on two")
            _ = try store.writeRow(session: "b1", actor: "bob", key: "zeta", value: 1, baseVersion: 0)
            _ = try store.writeRow(session: "b1", actor: "bob", key: "alpha", value: 2, baseVersion: 0)
            let mark = try store.session(id: "s1").lastEventSeq

            guard case .merged = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("the merge did not go through"); return
            }
            let events = try store.changes(session: "s1", actor: "alice", since: mark).events
            #expect(events.map { "\($0.kind.rawValue) \($0.row?.key ?? $0.turn?.content ?? $0.comment?.body ?? "")" }
                    == ["state alpha", "state zeta", "turn one", "turn two", "comment on two", "branch_merge "])
        }
    }

    /// What the branch did to the turns it copied stays in the branch: an undo of a copied turn and a
    /// comment on one are not carried to the parent.
    @Test func changesToCopiedTurnsStayInTheBranch() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "a"),
                                                                    NewTurn(role: .user, content: "b")])
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.addComment(session: "b1", actor: "carol", turnSeq: 1, body: "on a copied turn")
            _ = try store.undoLastTurn(session: "b1", actor: "bob")
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "c"))

            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("the merge did not go through"); return
            }
            #expect(summary.firstSeq == 3 && summary.lastSeq == 3)
            #expect(try store.lastTurns(session: "s1", actor: "alice", count: 10).map(\.content) == ["a", "b", "c"])
            #expect(try store.comments(session: "s1", actor: "alice").isEmpty)
            #expect(try store.comments(session: "b1", actor: "alice").map(\.body) == ["on a copied turn"])
        }
    }
}
