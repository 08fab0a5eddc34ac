import Testing
import TandemJSON
@testable import TandemStore

/// `RetiredTail`: what a delete keeps of the log for a running server that did not write it
/// (`tandem-admin sessions delete`): the newest changes, turns included, within its bounds, for a
/// minute. AdminTurnTailTests (TandemAdminTests) takes it end to end.
@Suite struct RetiredTailTests {
    @Test func turnsAndOtherChangesAreKeptInOrderWithTheirContent() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let made = try makeSession(store)                   // events 1...3
            clock.advance(RetiredTail.window + 1)                // those three are too old to keep
            let big = String(repeating: "é", count: 150_000)     // 300,000 bytes: more than the old 64 KiB bound
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "one", metadata: ["m": 1],
                                                                          tokensIn: 3, tokensOut: 4, nonce: "n-1"))
            _ = try store.removeMember(session: "s1", actor: "alice", user: "dave")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .assistant, content: big))
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            try store.adminDeleteSession(id: "s1")

            let tail = try store.retiredTail(session: "s1", created: made.createdAt)
            #expect(tail.map(\.eventSeq) == [4, 5, 6, 7])
            #expect(tail.map(\.kind) == [.turn, .member, .turn, .undo])
            let first = try #require(tail.first?.turn)
            #expect(first == Turn(sessionID: "s1", seq: 1, role: .user, author: "bob", content: "one", metadata: ["m": 1],
                                  tokensIn: 3, tokensOut: 4, createdAt: tail[0].createdAt, state: .live, eventSeq: 4, nonce: "n-1"))
            #expect(tail[2].turn?.content == big && tail[2].turn?.state == .undone && tail[2].turn?.seq == 2)
            #expect(tail[1].removedMember == "dave")
        }
    }

    @Test func theNewestWithinTheBoundsWithoutAHole() throws {
        try withStore { store in
            let made = try makeSession(store)                   // events 1...3
            let huge = String(repeating: "x", count: RetiredTail.maxBytes)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "before"))     // 4
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: huge))         // 5: never fits
            for i in 0..<(RetiredTail.maxEvents + 6) {                                                           // 6...75
                _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t\(i)"))
            }
            try store.adminDeleteSession(id: "s1")
            let tail = try store.retiredTail(session: "s1", created: made.createdAt)
            let last = Int64(5 + RetiredTail.maxEvents + 6)
            #expect(tail.map(\.eventSeq) == Array((last - Int64(RetiredTail.maxEvents) + 1)...last))

            let other = try makeSession(store, id: "s2")
            _ = try store.appendTurn(session: "s2", actor: "bob", NewTurn(role: .user, content: "before"))
            _ = try store.appendTurn(session: "s2", actor: "bob", NewTurn(role: .user, content: huge))
            _ = try store.appendTurn(session: "s2", actor: "bob", NewTurn(role: .user, content: "after"))
            try store.adminDeleteSession(id: "s2")
            // The one that does not fit ends the tail: the one before it is not kept either.
            #expect(try store.retiredTail(session: "s2", created: other.createdAt).map { $0.turn?.content } == ["after"])
        }
    }

    @Test func aTailIsKeptAMinuteAndDroppedByALaterDelete() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let first = try makeSession(store)
            try store.adminDeleteSession(id: "s1")
            #expect(try store.retiredTail(session: "s1", created: first.createdAt).count == 3)
            clock.advance(RetiredTail.kept - 1)
            let second = try makeSession(store, id: "s2")
            try store.adminDeleteSession(id: "s2")
            #expect(try store.retiredTail(session: "s1", created: first.createdAt).count == 3, "not a minute yet")
            clock.advance(2)
            let third = try makeSession(store, id: "s3")
            try store.adminDeleteSession(id: "s3")
            #expect(try store.retiredTail(session: "s1", created: first.createdAt).isEmpty)
            #expect(try store.retiredTail(session: "s2", created: second.createdAt).count == 3)
            #expect(try store.retiredTail(session: "s3", created: third.createdAt).count == 3)
            let rows = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM retired_tails") }
            #expect(rows == 2)
        }
    }
}
