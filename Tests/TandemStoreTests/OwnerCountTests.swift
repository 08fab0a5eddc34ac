import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// `owner_counts` (migration 16): the number of sessions each user owns, kept by triggers, is
/// what `max-sessions-per-user` reads, so it must equal the count it replaced on every path.
@Suite struct OwnerCountTests {
    @Test func countsFollowEveryPathThatCreatesHandsOverOrDeletes() throws {
        try withStore { store in
            try makeRichSession(store)
            _ = try store.createSession(id: "s2", title: "", owner: "bob")
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b2")
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "x"))
            _ = try store.mergeBranch(branch: "b1", actor: "alice")
            try store.discardBranch(branch: "b2", actor: "alice")
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
            _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "from-t")
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy")
            _ = try store.importSession(document, asID: "claimed", claimedBy: "bob")
            // A hand-over: carol becomes an owner of s2 and bob leaves it.
            try store.setMember(session: "s2", actor: "bob", user: "carol", role: .owner)
            try store.removeMember(session: "s2", actor: "bob", user: "bob")
            try #require(try store.session(id: "s2").owner == "carol")
            try store.deleteSession(id: "from-t", actor: "alice")
            #expect(try mismatches(store) == [])
            try store.finishDeletes()
            try store.adminRemoveUser(id: "dave")
            #expect(try mismatches(store) == [])
            let owned = try store.read { db throws(StoreError) in
                try db.query("SELECT user_id, session_count FROM owner_counts WHERE session_count > 0 ORDER BY user_id") {
                    "\($0.text(0)):\($0.int(1))"
                }
            }
            #expect(owned == ["alice:3", "bob:1", "carol:1"], "\(owned)") // s1, b1 (merged), copy; claimed; s2
        }
    }

    @Test func theQuotaReadsTheCountAndADeleteFreesRoomAtOnce() throws {
        try withStore(configure: { $0.maxSessionsPerUser = 2 }) { store in
            _ = try store.createSession(id: "a", title: "", owner: "alice")
            _ = try store.createSession(id: "b", title: "", owner: "alice")
            #expect(errorCode { _ = try store.createSession(id: "c", title: "", owner: "alice") } == "limit_exceeded")
            #expect(errorCode { _ = try store.createBranch(session: "a", actor: "alice", id: "c") } == "limit_exceeded")
            // A delete only hides the session; its room is free before the steps remove it.
            try store.deleteSession(id: "b", actor: "alice")
            _ = try store.createSession(id: "c", title: "", owner: "alice")
            #expect(errorCode { _ = try store.createSession(id: "d", title: "", owner: "alice") } == "limit_exceeded")
            try store.finishDeletes()
            #expect(try mismatches(store).isEmpty)
        }
    }

    @Test func migrationBackfillsTheCountsOfAnExistingDatabase() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 15, title: "old", lastTurn: 0, lastEvent: 0)
            try db.run("INSERT INTO users(id, display_name, created_at) VALUES ('bob','Bob',1)")
            try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at) VALUES ('o2','','alice',1,1), ('o3','','bob',1,1)")
            try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at, status) VALUES ('~deleting~9','','alice',1,1,'deleting')")
        }
        var config = StoreConfiguration(path: dir.dbPath)
        config.maxSessionsPerUser = 2
        let store = try Store(config)
        defer { store.close() }
        try store.finishDeletes()
        let owned = try store.read { db throws(StoreError) in
            try db.query("SELECT user_id, session_count FROM owner_counts ORDER BY user_id") { "\($0.text(0)):\($0.int(1))" }
        }
        #expect(owned == ["alice:2", "bob:1"])
        #expect(errorCode { _ = try store.createSession(id: "o4", title: "", owner: "alice") } == "limit_exceeded")
        _ = try store.createSession(id: "o4", title: "", owner: "bob")
        #expect(try mismatches(store).isEmpty)
    }

    /// Owners whose trigger-kept count differs from counting their sessions, with both.
    private func mismatches(_ store: Store) throws -> [String] {
        try store.read { db throws(StoreError) in
            try db.query("""
                WITH counted AS (SELECT owner AS user_id, count(*) AS n FROM sessions WHERE status <> 'deleting' GROUP BY owner)
                SELECT c.user_id, c.n, o.session_count FROM counted c LEFT JOIN owner_counts o USING (user_id)
                 WHERE o.session_count IS NOT c.n
                UNION ALL
                SELECT o.user_id, 0, o.session_count FROM owner_counts o
                 WHERE o.session_count <> 0 AND o.user_id NOT IN (SELECT user_id FROM counted)
                """) { "\($0.text(0)): counted \($0.int(1)), kept \($0.optionalInt(2) ?? -1)" }
        }
    }
}
