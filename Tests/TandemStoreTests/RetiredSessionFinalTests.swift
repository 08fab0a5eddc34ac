import Testing
import TandemJSON
@testable import TandemStore

/// Migration 23 (`retired-session-final`): a deleted session is kept, with its retired id, as it
/// stood when deleted, so that a tandemd that finds it gone (deleted by tandem-admin) shows it in
/// the `deleted` event's info (AdminDeleteInfoTests end to end).
@Suite struct RetiredSessionFinalTests {
    @Test func aDeletedBranchIsKeptAsItStood() throws {
        try withStore { store in
            try makeSession(store, metadata: ["team": "blue"])
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "one"))
            _ = try store.createBranch(session: "s1", actor: "alice", atSeq: 1, id: "b1", title: "Side")
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "two"))
            _ = try store.updateSession(id: "b1", actor: "alice", title: "Side, renamed", metadata: ["x": 1])
            _ = try store.pauseSession(id: "b1", actor: "alice")
            let before = try store.session(id: "b1")
            #expect(try store.retiredSession(id: "b1", created: before.createdAt) == nil)
            try store.adminDeleteSession(id: "b1")
            let kept = try #require(try store.retiredSession(id: "b1", created: before.createdAt))
            #expect(kept == before)
            #expect(kept.lastEventSeq == (try store.retiredHead(session: "b1", created: before.createdAt)))
            #expect(kept.parentID == "s1" && kept.forkSeq == 1 && kept.status == .paused && kept.lastTurnSeq == 2)
            // Another incarnation's `created` names nothing.
            #expect(try store.retiredSession(id: "b1", created: before.createdAt + 1) == nil)
        }
    }

    @Test func aSessionDeletedBeforeTheMigrationHasNone() throws {
        try withStore { store in
            let made = try makeSession(store)
            try store.adminDeleteSession(id: "s1")
            try store.write { ctx throws(StoreError) in try ctx.db.run("UPDATE retired_session_ids SET final_session = NULL") }
            #expect(try store.retiredSession(id: "s1", created: made.createdAt) == nil)
            #expect(try store.retiredHead(session: "s1", created: made.createdAt) != nil)
        }
    }
}
