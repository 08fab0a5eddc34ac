import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// A history page applies every filter (live only, one author) before its limit.
@Suite struct HistoryPageTests {
    private func post(_ store: Store, _ actor: String, _ contents: [String]) throws {
        _ = try store.appendTurns(session: "s1", actor: actor, contents.map { NewTurn(role: .user, content: $0) })
    }

    private func seqs(_ turns: [Turn]) -> [Int64] { turns.map(\.seq) }

    @Test func theLastNLiveTurnsAreNEvenWhenTheNewestWereUndone() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, "bob", (1...8).map { "t\($0)" })
            for _ in 0..<3 { _ = try store.undoLastTurn(session: "s1", actor: "bob") }
            #expect(seqs(try store.turns(session: "s1", actor: "dave", newest: true, limit: 3)) == [3, 4, 5])
            #expect(seqs(try store.turns(session: "s1", actor: "dave", newest: true, limit: 3, includeRetired: true)) == [6, 7, 8])
            // After a clear and a restore, the same: the stretches no retirement covers, newest first.
            _ = try store.clearTurns(session: "s1", actor: "alice")
            try post(store, "bob", ["t9", "t10"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "ten")
            try post(store, "bob", ["t11"])
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "ten")
            #expect(seqs(try store.turns(session: "s1", actor: "dave", newest: true, limit: 3)) == [9, 10])
            #expect(seqs(try store.turns(session: "s1", actor: "dave", after: 0, through: 9, newest: true, limit: 3)) == [9])
        }
    }

    @Test func sincePagesSkipHiddenTurnsAndAuthorsFilterBeforeTheLimit() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, "bob", ["b1", "b2"])
            try post(store, "alice", ["a3", "a4", "a5"])
            try post(store, "bob", ["b6"])
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            try post(store, "alice", ["a7"])
            // Bob's live turns after seq 1, two at a time: b2, then nothing more (b6 is undone).
            #expect(seqs(try store.turns(session: "s1", actor: "dave", after: 1, limit: 2, author: "bob")) == [2])
            #expect(seqs(try store.turns(session: "s1", actor: "dave", newest: true, limit: 2, author: "bob")) == [1, 2])
            #expect(seqs(try store.turns(session: "s1", actor: "dave", newest: true, limit: 2, author: "bob", includeRetired: true)) == [2, 6])
            #expect(seqs(try store.turns(session: "s1", actor: "dave", after: 2, limit: 10, author: "alice")) == [3, 4, 5, 7])
            // A range: after 3 through 7, live only.
            #expect(seqs(try store.turns(session: "s1", actor: "dave", after: 3, through: 7, limit: 10)) == [4, 5, 7])
            #expect(errorCode { _ = try store.turns(session: "s1", actor: "erin", limit: 1) } == "not_member")
        }
    }

    @Test func anUndoGuardIsCheckedInTheUndosOwnTransaction() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, "bob", ["b1"])
            try post(store, "alice", ["a2"])
            // Alice means her turn 2; bob's 3 lands first: nothing is undone.
            try post(store, "bob", ["b3"])
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "alice", expectedSeq: 2) } == "conflict")
            #expect(storeRefusal { _ = try store.undoLastTurn(session: "s1", actor: "alice", expectedSeq: 2) }
                    == "conflict: turn 2 is not the last live turn (the last live turn is 3)")
            #expect(storeRefusal { _ = try store.undoLastTurn(session: "s1", actor: "alice", expectedSeq: 77) }
                    == "conflict: there is no live turn 77 (the last live turn is 3)")
            #expect(try tableCounts(store) == before)
            #expect(try store.undoLastTurn(session: "s1", actor: "alice", expectedSeq: 3).turn.seq == 3)
        }
    }
}
