import Foundation
import Testing
@testable import TandemStore

/// The writer keeps the session lookups of posts (role, status, counters) from batch to batch
/// (`WriteContext.refCache`). Whatever changes what they hold must let them go: a change through
/// the store (a non-deferrable job), and a commit by another connection or process (tandem-admin
/// writes the file directly while the server runs).
@Suite struct SessionLookupsKeptTests {
    private func post(_ store: Store, _ actor: String, _ text: String) throws(StoreError) -> Turn {
        try store.appendTurn(session: "s1", actor: actor, NewTurn(role: .user, content: text))
    }

    @Test func aRoleOrStatusChangedThroughTheStoreIsSeenByTheNextPost() throws {
        try withStore { store in
            try makeSession(store)
            _ = try post(store, "bob", "one")
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .read)
            #expect(storeRefusal { _ = try post(store, "bob", "two") }.hasPrefix("forbidden"))
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .write)
            _ = try post(store, "bob", "three")
            _ = try store.pauseSession(id: "s1", actor: "alice")
            #expect(storeRefusal { _ = try post(store, "bob", "four") }.hasPrefix("session_paused"))
        }
    }

    @Test func anotherConnectionsCommitLetsTheLookupsGo() throws {
        try withStore { store in
            try makeSession(store)
            let first = try post(store, "bob", "one")
            #expect(try post(store, "bob", "two").seq == first.seq + 1)

            // As tandem-admin does: its own connection to the file, while the store runs.
            let other = try Database(path: store.configuration.path, busyTimeoutMilliseconds: 5_000)
            try other.execute("UPDATE members SET role = 'read' WHERE user_id = 'bob'")
            #expect(storeRefusal { _ = try post(store, "bob", "three") }.hasPrefix("forbidden"))

            try other.execute("UPDATE members SET role = 'write' WHERE user_id = 'bob'")
            try other.execute("UPDATE sessions SET status = 'paused' WHERE id = 's1'")
            #expect(storeRefusal { _ = try post(store, "bob", "four") }.hasPrefix("session_paused"))

            // Counters another connection moved: the next turn takes the number after them.
            try other.execute("UPDATE sessions SET status = 'active', last_turn_seq = last_turn_seq + 5 WHERE id = 's1'")
            other.close()
            #expect(try post(store, "bob", "five").seq == first.seq + 7)
        }
    }
}
