import Testing
@testable import TandemStore

/// `deleteSession(id:actor:changesAfter:)` and `discardBranch(branch:actor:changesAfter:)`: the
/// changes after what the followers were sent, read in the delete's own transaction (the log goes
/// with the session), so the server can hand them over before `deleted`.
@Suite struct DeleteTailTests {
    @Test func deleteHandsOverTheChangesAfterTheMark() throws {
        try withStore { store in
            _ = try makeSession(store)                       // events 1...3: bob, carol, dave added
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "one"))
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "two"))
            _ = try store.removeMember(session: "s1", actor: "alice", user: "dave")
            let tail = try store.deleteSession(id: "s1", actor: "alice", changesAfter: 3)
            #expect(tail.events.map(\.eventSeq) == [4, 5, 6])
            #expect(tail.events.map(\.kind) == [.turn, .turn, .member])
            #expect(tail.lastEventSeq == 6)
            #expect(errorCode { _ = try store.session(id: "s1") } == "not_found")
        }
    }

    @Test func discardHandsOverTheChangesAfterTheMarkAndNoneWithoutOne() throws {
        try withStore { store in
            _ = try makeSession(store)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            let head = try store.session(id: "b1").lastEventSeq
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "on the branch"))
            let tail = try store.discardBranch(branch: "b1", actor: "alice", changesAfter: head)
            #expect(tail.events.map(\.eventSeq) == [head + 1])
            #expect(tail.lastEventSeq == head + 1)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b2")
            #expect(try store.discardBranch(branch: "b2", actor: "alice", changesAfter: nil).events.isEmpty)
        }
    }
}
