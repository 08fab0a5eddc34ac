import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct TurnTests {
    @Test func appendSingleAndBatchWithMonotonicSeqs() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            let one = try store.appendTurn(session: "s1", actor: "bob",
                                           NewTurn(role: .user, content: "hi", metadata: ["lang": "en"], tokensIn: 3, tokensOut: 0))
            #expect(one.seq == 1 && one.author == "bob" && one.createdAt == clock.now && one.state == .live)
            #expect(one.metadata == ["lang": "en"] && one.tokensIn == 3)
            let batch = try store.appendTurns(session: "s1", actor: "alice", [
                NewTurn(role: .assistant, content: "a", tokensOut: 10),
                NewTurn(role: .tool, content: "b"),
                NewTurn(role: .system, content: "c"),
            ])
            #expect(batch.turns.map(\.seq) == [2, 3, 4])
            #expect(batch.turns.map(\.role) == [.assistant, .tool, .system])
            #expect(batch.eventSeq == batch.turns.last?.eventSeq)
            let stored = try store.lastTurns(session: "s1", actor: "dave", count: 10)
            #expect(stored == [one] + batch.turns)
            #expect(try store.session(id: "s1", actor: "alice").lastTurnSeq == 4)
        }
    }

    @Test func readsLastSinceRangeAndByAuthor() throws {
        try withStore { store in
            try makeSession(store)
            for i in 1...30 {
                _ = try store.appendTurn(session: "s1", actor: i % 3 == 0 ? "alice" : "bob", NewTurn(role: .user, content: "\(i)"))
            }
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 5).map(\.seq) == [26, 27, 28, 29, 30])
            #expect(try store.turns(session: "s1", actor: "dave", since: 27).map(\.seq) == [28, 29, 30])
            #expect(try store.turns(session: "s1", actor: "dave", since: 10, limit: 2).map(\.seq) == [11, 12])
            #expect(try store.turns(session: "s1", actor: "dave", range: 5...8).map(\.content) == ["5", "6", "7", "8"])
            #expect(try store.turns(session: "s1", actor: "dave", author: "alice").map(\.seq) == [3, 6, 9, 12, 15, 18, 21, 24, 27, 30])
            #expect(errorCode { _ = try store.lastTurns(session: "s1", actor: "erin", count: 5) } == "not_member")
            #expect(errorCode { _ = try store.lastTurns(session: "s1", actor: "dave", count: 0) } == "invalid_argument")
        }
    }

    @Test func badAppendsAreTypedAndChangeNothing() throws {
        try withStore(configure: { $0.maxContentBytes = 100 }) { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "ok"))
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.appendTurn(session: "nope", actor: "bob", NewTurn(role: .user, content: "x")) } == "not_found")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: String(repeating: "x", count: 101))) } == "too_large")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x", metadata: "text")) } == "invalid_argument")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "carol", NewTurn(role: .user, content: "x")) } == "forbidden")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "erin", NewTurn(role: .user, content: "x")) } == "not_member")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x", tokensIn: -1)) } == "invalid_argument")
            // A batch with one bad turn writes none of them.
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "fine"), NewTurn(role: .user, content: String(repeating: "y", count: 200))]) } == "too_large")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", []) } == "invalid_argument")
            #expect(try tableCounts(store) == before)
            #expect(try store.session(id: "s1", actor: "alice").lastTurnSeq == 1)
        }
    }

    @Test func undoMarksTheLastTurnAndRespectsOwnership() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "one"))
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .assistant, content: "two"))
            #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "bob") } == "forbidden")
            let undone = try store.undoLastTurn(session: "s1", actor: "alice")
            #expect(undone.turn.seq == 2 && undone.turn.state == .undone)
            let own = try store.undoLastTurn(session: "s1", actor: "bob")
            #expect(own.turn.seq == 1 && own.eventSeq == undone.eventSeq + 1)
            #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "alice") } == "invalid_state")
            // Nothing erased; the next append continues the sequence.
            #expect(try store.lastTurns(session: "s1", actor: "alice", count: 10).map(\.state) == [.undone, .undone])
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "three")).seq == 3)
            let counts = try store.contributions(session: "s1", actor: "alice")
            #expect(counts.first { $0.userID == "bob" }?.counts.undos == 1)
            #expect(counts.first { $0.userID == "alice" }?.counts.undos == 1)
        }
    }

    @Test func clearIsAdminOnlyRecordedAndKeepsTurns() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "a"), NewTurn(role: .user, content: "b")])
            #expect(errorCode { _ = try store.clearTurns(session: "s1", actor: "bob") } == "forbidden")
            let cleared = try store.clearTurns(session: "s1", actor: "alice")
            #expect(cleared.clearedThrough == 2)
            #expect(try store.lastTurns(session: "s1", actor: "alice", count: 10).map(\.state) == [.cleared, .cleared])
            #expect(try store.auditLog(session: "s1").first?.action == "turns.clear")
            let change = try store.changes(session: "s1", actor: "alice", since: cleared.eventSeq - 1)
            #expect(change.events.map(\.kind) == [.clear] && change.events.first?.turnSeq == 2)
        }
    }

    @Test func commentsAttachToTurnsAndAreNotTurns() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "draft"))
            let c = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "nice")
            #expect(c.turnSeq == 1 && c.author == "carol")
            let log = try store.changes(session: "s1", actor: "dave", since: 0).events
            #expect(log.last?.kind == .comment && log.last?.eventSeq == c.eventSeq && log.last?.data?["body"] == "nice")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "dave", turnSeq: 1, body: "no") } == "forbidden")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 9, body: "no") } == "not_found")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "") } == "invalid_argument")
            #expect(try store.comments(session: "s1", actor: "dave", turnSeq: 1).map(\.body) == ["nice"])
            #expect(try store.comments(session: "s1", actor: "dave").count == 1)
            #expect(try store.session(id: "s1", actor: "alice").lastTurnSeq == 1)
            #expect(try store.contributions(session: "s1", actor: "alice").first { $0.userID == "carol" }?.counts.comments == 1)
        }
    }

    @Test func completionAppendReportsDurableTurn() throws {
        try withStore { store in
            try makeSession(store)
            let waiter = Waiter<AppendResult>()
            store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "cb")]) { waiter.deliver($0) }
            #expect(try waiter.wait().get().turns.first?.seq == 1)
            let bad = Waiter<AppendResult>()
            store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "x", metadata: 5)]) { bad.deliver($0) }
            #expect(throws: StoreError.self) { try bad.wait().get() }
        }
    }
}

@Suite struct MemberTests {
    @Test func rolesChangeWithRulesAndAudit() throws {
        try withStore { store in
            try makeSession(store)
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .admin)
            #expect(try store.role(session: "s1", user: "erin") == .admin)
            #expect(errorCode { try store.setMember(session: "s1", actor: "erin", user: "bob", role: .owner) } == "forbidden")
            #expect(errorCode { try store.setMember(session: "s1", actor: "erin", user: "alice", role: .read) } == "forbidden")
            #expect(errorCode { try store.setMember(session: "s1", actor: "bob", user: "dave", role: .write) } == "forbidden")
            try store.setMember(session: "s1", actor: "erin", user: "dave", role: .comment)
            #expect(errorCode { try store.setMember(session: "s1", actor: "alice", user: "alice", role: .admin) } == "invalid_state")
            #expect(errorCode { try store.setMember(session: "s1", actor: "alice", user: "ghost", role: .read) } == "not_found")
            try store.removeMember(session: "s1", actor: "erin", user: "dave")
            try store.removeMember(session: "s1", actor: "carol", user: "carol") // leaving
            #expect(try store.members(session: "s1", actor: "bob").map(\.userID) == ["alice", "erin", "bob"], "strongest role first")
            #expect(errorCode { try store.removeMember(session: "s1", actor: "alice", user: "alice") } == "invalid_state")
            let actions = try store.auditLog(session: "s1").map(\.action)
            #expect(actions.filter { $0 == "member.remove" }.count == 2)
            #expect(actions.contains("member.role") && actions.contains("member.add"))
            let members = try store.changes(session: "s1", actor: "alice", since: 0).events.filter { $0.kind == .member }
            #expect(members.last?.data == ["user": "carol", "role": nil])
        }
    }
}
