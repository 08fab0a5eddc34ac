import Testing
@testable import TandemStore

/// The turn insert keeps its bound values from one run to the next (no `sqlite3_clear_bindings`:
/// it binds all twelve each time) and binds a `TurnRole`'s text, and empty metadata's, as a literal.
/// A value one post leaves out must still be what that post stored, not the last post's.
@Suite struct TurnInsertBindingTests {
    @Test func eachTurnStoresItsOwnValuesNotTheLastPostsOnes() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [
                NewTurn(role: .assistant, content: "first", metadata: ["k": 1], tokensIn: 5, tokensOut: 6, nonce: "n-1"),
            ])
            _ = try store.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .tool, content: "second")])
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .system, content: "third", nonce: "n-3")])
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "fourth")])
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "fifth", metadata: ["z": true])])
            let rows = try store.read { db throws(StoreError) in
                try db.query("SELECT role, author, content, metadata, tokens_in, tokens_out, nonce IS NULL, coalesce(nonce, '') FROM turns ORDER BY seq") {
                    "\($0.text(0)) \($0.text(1)) \($0.text(2)) \($0.text(3)) \($0.int(4)) \($0.int(5)) \($0.int(6) == 1 ? "no-nonce" : $0.text(7))"
                }
            }
            #expect(rows == [
                "assistant bob first {\"k\":1} 5 6 n-1",
                "tool alice second {} 0 0 no-nonce",
                "system bob third {} 0 0 n-3",
                "user bob fourth {} 0 0 no-nonce",
                "user bob fifth {\"z\":true} 0 0 no-nonce",
            ])
        }
    }
}
