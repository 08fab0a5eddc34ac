import Foundation
import Testing
@testable import TandemStore

/// A `comment` event carries the Comment (docs/protocol.md, Events), the same one `comment.list`
/// gives. A branch copies the comments on the turns it forks with a `comment` event each, recorded
/// at the fork's time; the change log used to build the event's Comment from the event's own time,
/// so a branch (and any session imported from its export) replayed its copied comments with the
/// fork's time as their `created`, while `comment.list` gave the comment's. Found by the crash model
/// check (Tests/interop/model/crash_check.py), which replays an import of a branch from 0.
@Suite struct CopiedCommentEventTests {
    @Test func aBranchsCopiedCommentEventsCarryTheCommentsTime() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "a"))
            let made = try store.addComment(session: "p", actor: "carol", turnSeq: 1, body: "on a")
            clock.advance(5_000)
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            clock.advance(5_000)
            let doc = try store.exportSessionText(id: "b", actor: "alice")
            _ = try store.importSession(json: doc, asID: "bi", actor: "alice")
            for sid in ["p", "b", "bi"] {
                let listed = try store.comments(session: sid, actor: "alice")
                let replayed = try store.changes(session: sid, actor: "alice", since: 0).events.compactMap(\.comment)
                #expect(listed.map(\.createdAt) == [made.createdAt], "\(sid): comment.list")
                #expect(replayed.map(\.createdAt) == listed.map(\.createdAt), "\(sid): the replayed comment event")
                #expect(replayed.map(\.id) == listed.map(\.id), "\(sid): ids")
            }
        }
    }
}
