import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Results collected from writer-thread completions.
final class AppendOutcomes: Sendable {
    let results = Mutex<[Result<AppendResult, StoreError>]>([])
}

@Suite struct IdempotencyTests {
    @Test func repeatedNonceIsADuplicateAndWritesNothing() throws {
        try withStore { store in
            try makeSession(store)
            let first = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "hello", nonce: "n-1")])
            #expect(!first.duplicate && first.turns[0].nonce == "n-1")
            let again = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "hello", nonce: "n-1")])
            #expect(again.duplicate)
            #expect(again.turns == first.turns)
            #expect(try store.session(id: "s1").lastTurnSeq == 1)
            #expect(try store.session(id: "s1").lastEventSeq == first.eventSeq, "a duplicate records no event")
            #expect(try store.contributions(session: "s1", actor: "alice").first { $0.userID == "bob" }?.counts.turns == 1)
            // The same nonce from another author is a different post.
            let other = try store.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .user, content: "hello", nonce: "n-1")])
            #expect(!other.duplicate && other.turns[0].seq == 2)
        }
    }

    /// protocol.md, "Idempotent posting": a post whose nonce is already there is answered with the
    /// original turn. A retry after the session was paused or archived, or the poster's role lowered,
    /// was answered `session_paused` / `session_archived` / `forbidden` instead, which the doc reads
    /// as "wrote nothing": an agent waited for a resume, or took a step that had landed as lost.
    @Test func aRetryFindsItsTurnAfterThePosterLostTheRightToPost() throws {
        try withStore { store in
            try makeSession(store)
            let post = NewTurn(role: .assistant, content: "step 1", nonce: "step-1")
            let first = try store.appendTurns(session: "s1", actor: "bob", [post])
            _ = try store.pauseSession(id: "s1", actor: "alice")
            let paused = try store.appendTurns(session: "s1", actor: "bob", [post])
            #expect(paused.duplicate && paused.turns == first.turns)
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "step 2", nonce: "step-2")]) } == "session_paused",
                    "a new post is still refused")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "changed", nonce: "step-1")]) } == "conflict")
            _ = try store.resumeSession(id: "s1", actor: "alice")
            _ = try store.setMember(session: "s1", actor: "alice", user: "bob", role: .read)
            #expect(try store.appendTurns(session: "s1", actor: "bob", [post]).duplicate, "a reader may read the turn it posted")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "x", nonce: "step-3")]) } == "forbidden")
            _ = try store.setMember(session: "s1", actor: "alice", user: "bob", role: .write)
            _ = try store.archiveSession(id: "s1", actor: "alice")
            #expect(try store.appendTurns(session: "s1", actor: "bob", [post]).duplicate)
            _ = try store.removeMember(session: "s1", actor: "alice", user: "bob")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [post]) } == "removed_member", "a removed member learns nothing")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "erin", [post]) } == "not_member", "nor does a stranger")
            #expect(try store.session(id: "s1").lastTurnSeq == 1)
        }
    }

    @Test func nonceReusedForDifferentContentIsAConflict() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "hello", nonce: "n-1")])
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "changed", nonce: "n-1")]) } == "conflict")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "hello", nonce: "n-1"),
                                                                                        NewTurn(role: .user, content: "new", nonce: "n-2")]) } == "conflict")
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "x", nonce: "bad nonce!")]) } == "invalid_argument")
            #expect(try store.session(id: "s1").lastTurnSeq == 1, "refusals write nothing")
        }
    }

    /// Content that differs only in Unicode normalization is different content: String's `==`
    /// (canonical equivalence) once answered such a repost `duplicate: true`.
    @Test func nonceReusedForARespelledContentIsAConflict() throws {
        try withStore { store in
            try makeSession(store)
            let post = NewTurn(role: .user, content: "caf\u{E9}", metadata: ["n": "\u{E9}"], nonce: "k1")
            _ = try store.appendTurns(session: "s1", actor: "bob", [post])
            var respelled = post
            respelled.content = "cafe\u{301}"
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [respelled]) } == "conflict")
            respelled = post
            respelled.metadata = ["n": "e\u{301}"]
            #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [respelled]) } == "conflict")
            #expect(try store.appendTurns(session: "s1", actor: "bob", [post]).duplicate)
            #expect(try store.session(id: "s1").lastTurnSeq == 1)
        }
    }

    /// Two posts with one nonce land in the same group-commit batch: the second still sees the
    /// first (same transaction) and is answered as a duplicate.
    @Test func duplicatesInsideOneBatchAreCaught() throws {
        try withStore { store in
            try makeSession(store)
            let outcomes = AppendOutcomes()
            let done = DispatchGroup()
            for _ in 0..<20 {
                done.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "same", nonce: "once")]) { result in
                    outcomes.results.withLock { $0.append(result) }
                    done.leave()
                }
            }
            done.wait()
            let results = outcomes.results.withLock { $0 }.compactMap { try? $0.get() }
            #expect(results.count == 20)
            #expect(results.filter { !$0.duplicate }.count == 1)
            #expect(Set(results.map { $0.turns[0].seq }) == [1])
            #expect(try store.session(id: "s1").lastTurnSeq == 1)
        }
    }

    @Test func noncesSurviveExportAndImport() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "a", nonce: "k")])
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "s2", actor: "alice")
            #expect(try store.lastTurns(session: "s2", actor: "alice", count: 1)[0].nonce == "k")
        }
    }
}

@Suite struct ChangeLogKindsTests {
    @Test func commentsAreEventsWithTheirText() throws {
        try withStore { store in
            try makeSession(store)
            let turn = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "look"))
            let comment = try store.addComment(session: "s1", actor: "carol", turnSeq: turn.seq, body: "nice")
            let eventSeq = comment.eventSeq
            #expect(eventSeq == turn.eventSeq + 1)
            let feed = try store.changeFeed(session: "s1", since: turn.eventSeq)
            #expect(feed.events.count == 1 && feed.events[0].kind == .comment)
            #expect(feed.events[0].comment == comment)
        }
    }

    @Test func turnsThatLeftHistoryTakeNoNewComments() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...4).map { NewTurn(role: .user, content: "t\($0)") })
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 4, body: "before the undo")
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "two")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t5"))
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "two")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 4, body: "x") } == "invalid_state")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 5, body: "x") } == "invalid_state")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 9, body: "x") } == "not_found")
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 3, body: "live")
            _ = try store.clearTurns(session: "s1", actor: "alice")
            #expect(errorCode { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 3, body: "x") } == "invalid_state")
            // The comments made while the turns were live stay listed.
            #expect(try store.comments(session: "s1", actor: "dave").map(\.body) == ["before the undo", "live"])
        }
    }

    @Test func pausedAndArchivedAreDistinguished() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.pauseSession(id: "s1", actor: "alice")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x")) } == "session_paused")
            _ = try store.archiveSession(id: "s1", actor: "alice")
            #expect(errorCode { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x")) } == "session_archived")
            #expect(errorCode { _ = try store.session(id: "s1", actor: "zed") } == "not_member")
            #expect(errorCode { _ = try store.resumeSession(id: "s1", actor: "alice") } == "session_archived", "archiving is final")
        }
    }
}

@Suite struct RandomIDTests {
    @Test func generatedIDsNeverStartWithADashOrUnderscore() {
        for _ in 0..<5_000 {
            let id = RandomID.make()
            #expect(id.utf8.count == 16)
            #expect(!id.hasPrefix("-") && !id.hasPrefix("_"))
        }
    }
}
