import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct UserTests {
    @Test func tokensAreHashedShownOnceAndRevocable() throws {
        try withStore { store in
            let issued = try store.createToken(userID: "bob", label: "laptop")
            #expect(issued.secret.hasPrefix("tdm_"))
            #expect(try store.authenticate(tokenSecret: issued.secret).id == "bob")
            // Only the hash is stored.
            let stored = try store.read { db throws(StoreError) in try db.query("SELECT hash FROM api_tokens") { $0.text(0) } }
            #expect(stored == [RandomID.hash(issued.secret)])
            #expect(!stored[0].contains(issued.secret))
            #expect(try store.tokens(userID: "bob").first?.lastUsedAt != nil)
            try store.revokeToken(id: issued.token.id)
            #expect(errorCode { _ = try store.authenticate(tokenSecret: issued.secret) } == "unauthorized")
            #expect(errorCode { _ = try store.authenticate(tokenSecret: "tdm_guess") } == "unauthorized")
            #expect(errorCode { _ = try store.createToken(userID: "nobody", label: "") } == "not_found")
            #expect(try store.auditLog().first?.action == "token.revoke")
        }
    }

    @Test func usersHaveDisplayNamesAndUniqueIDs() throws {
        try withStore { store in
            #expect(try store.user(id: "alice").displayName == "Alice")
            try store.renameUser(id: "alice", displayName: "Alice A.")
            #expect(try store.user(id: "alice").displayName == "Alice A.")
            #expect(errorCode { _ = try store.createUser(id: "alice", displayName: "again") } == "already_exists")
            #expect(errorCode { _ = try store.createUser(id: "bad id!", displayName: "x") } == "invalid_argument")
            #expect(errorCode { _ = try store.user(id: "zed") } == "not_found")
            let generated = try store.createUser(displayName: "Anon")
            #expect(generated.id.count == 16)
        }
    }
}

@Suite struct SessionTests {
    @Test func createGetUpdateAndStatuses() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let s = try store.createSession(title: "Plan", owner: "alice", metadata: ["team": "core"])
            #expect(s.id.count == 16 && !s.id.contains("/") && !s.id.contains("+"))
            #expect(s.status == .active && s.owner == "alice" && s.createdAt == clock.now)
            #expect(try store.members(session: s.id, actor: "alice") == [Member(userID: "alice", role: .owner, addedAt: clock.now)])
            clock.advance(10)
            let updated = try store.updateSession(id: s.id, actor: "alice", title: "Plan B", metadata: ["team": "edge"])
            #expect(updated.session.title == "Plan B" && updated.session.metadata == ["team": "edge"] && updated.eventSeq == 1)
            let paused = try store.pauseSession(id: s.id, actor: "alice").session
            #expect(paused.status == .paused && paused.pausedAt == clock.now)
            #expect(errorCode { _ = try store.appendTurn(session: s.id, actor: "alice", NewTurn(role: .user, content: "x")) } == "session_paused")
            // Asking for the status a session already has says so (it said "paused; cannot become paused").
            #expect(storeRefusal { _ = try store.pauseSession(id: s.id, actor: "alice") } == "invalid_state: session \(s.id) is already paused")
            #expect(try store.resumeSession(id: s.id, actor: "alice").session.status == .active)
            #expect(storeRefusal { _ = try store.resumeSession(id: s.id, actor: "alice") } == "invalid_state: session \(s.id) is already active")
            let archived = try store.archiveSession(id: s.id, actor: "alice").session
            #expect(archived.status == .archived && archived.archivedAt == clock.now)
            #expect(errorCode { _ = try store.pauseSession(id: s.id, actor: "alice") } == "session_archived")
            #expect(errorCode { _ = try store.session(id: s.id, actor: "bob") } == "not_member")
            #expect(errorCode { _ = try store.session(id: "missing", actor: "alice") } == "not_found")
            #expect(errorCode { _ = try store.createSession(id: s.id, title: "dup", owner: "alice") } == "already_exists")
            #expect(errorCode { _ = try store.createSession(title: "x", owner: "ghost") } == "not_found")
        }
    }

    @Test func badInputLeavesTheDatabaseUnchanged() throws {
        try withStore { store in
            try makeSession(store)
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.createSession(title: String(repeating: "t", count: 2000), owner: "alice") } == "too_large")
            #expect(errorCode { _ = try store.createSession(title: "x", owner: "alice", metadata: [1, 2]) } == "invalid_argument")
            #expect(errorCode { _ = try store.updateSession(id: "s1", actor: "bob", title: "mine") } == "forbidden")
            #expect(errorCode { _ = try store.updateSession(id: "nope", actor: "alice", title: "x") } == "not_found")
            #expect(errorCode { try store.deleteSession(id: "s1", actor: "bob") } == "forbidden")
            #expect(try tableCounts(store) == before)
        }
    }

    @Test func listFiltersAndPages() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            for i in 0..<7 {
                clock.advance(1000)
                _ = try store.createSession(id: "p\(i)", title: "P\(i)", owner: i % 2 == 0 ? "alice" : "bob",
                                            metadata: ["kind": i < 3 ? "chat" : "doc", "n": .integer(Int64(i)), "we.ird key": "v"])
            }
            clock.advance(1000)
            try store.setMember(session: "p0", actor: "alice", user: "carol", role: .read)
            clock.advance(1000)
            _ = try store.archiveSession(id: "p2", actor: "alice")
            #expect(try store.listSessions(SessionFilter(member: "carol")).sessions.map(\.id) == ["p0"])
            #expect(try store.listSessions(SessionFilter(member: "bob")).sessions.map(\.id) == ["p5", "p3", "p1"])
            #expect(try store.listSessions(SessionFilter(status: .archived)).sessions.map(\.id) == ["p2"])
            #expect(try store.listSessions(SessionFilter(metadata: ["kind": "chat"])).sessions.map(\.id) == ["p2", "p0", "p1"])
            #expect(try store.listSessions(SessionFilter(metadata: ["n": 4])).sessions.map(\.id) == ["p4"])
            #expect(try store.listSessions(SessionFilter(metadata: ["we.ird key": "v"])).sessions.count == 7)
            // Every pair must match.
            #expect(try store.listSessions(SessionFilter(metadata: ["kind": "chat", "n": 1])).sessions.map(\.id) == ["p1"])
            #expect(try store.listSessions(SessionFilter(metadata: ["kind": "doc", "n": 1])).sessions.isEmpty)
            #expect(try store.listSessions(SessionFilter(member: "alice", sharedWith: "carol")).sessions.map(\.id) == ["p0"])
            #expect(try store.listSessions(SessionFilter(member: "bob", sharedWith: "carol")).sessions.isEmpty)
            #expect(try store.listSessions(SessionFilter(updatedSince: clock.now - 1000)).sessions.map(\.id) == ["p2", "p0"])
            // Paging walks everything once, newest first.
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let page = try store.listSessions(SessionFilter(limit: 3, after: cursor))
                seen += page.sessions.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == ["p2", "p0", "p6", "p5", "p4", "p3", "p1"])
            #expect(errorCode { _ = try store.listSessions(SessionFilter(after: "garbage")) } == "invalid_argument")
        }
    }

    @Test func searchFindsTitlesAndLiveTurnsForMembers() throws {
        try withStore { store in
            try makeSession(store, title: "Quarterly budget")
            _ = try store.createSession(id: "s2", title: "Other", owner: "erin")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "the budget needs a zebra line"))
            _ = try store.appendTurn(session: "s2", actor: "erin", NewTurn(role: .user, content: "zebra crossing"))
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "undo this zebra"))
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            let hits = try store.search("budget")
            #expect(Set(hits.map { "\($0.sessionID):\($0.turnSeq.map(String.init) ?? "title")" }) == ["s1:title", "s1:1"])
            #expect(hits.contains { $0.snippet.contains("[budget]") })
            #expect(Set(try store.search("zebra").map(\.sessionID)) == ["s1", "s2"])
            #expect(try store.search("zebra", member: "bob").map(\.turnSeq) == [1]) // undone turn 2 is not found
            #expect(errorCode { _ = try store.search("\"unbalanced") } == "invalid_argument")
            #expect(errorCode { _ = try store.search("   ") } == "invalid_argument")
        }
    }
}
