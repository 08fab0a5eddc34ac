import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// The per-session caps (`max-rows-per-session`, `max-comments-per-session`,
/// `max-members-per-session`): past one, whatever would add answers `limit_exceeded` naming the
/// setting and writes nothing; what only changes (a row's value, a member's role) still works.
@Suite struct SessionCapTests {
    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as StoreError { return "\(error.code): \(error.message)" } catch { return "\(error)" }
    }

    @Test func rowsCapRefusesOnlyNewKeys() throws {
        try withStore(configure: { $0.maxRowsPerSession = 3 }) { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            for key in ["a", "b", "c"] { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: 1, baseVersion: 0) }
            let before = try tableCounts(store)
            let refused = message { _ = try store.writeRow(session: "s1", actor: "bob", key: "d", value: 1, baseVersion: 0) }
            #expect(refused?.hasPrefix("limit_exceeded: session s1 has 3 rows") == true, "\(refused ?? "")")
            #expect(refused?.contains("server setting max-rows-per-session = 3") == true, "\(refused ?? "")")
            // Nothing of the refused write is left (row, history, change log, counters).
            #expect(try tableCounts(store) == before)
            #expect(try store.session(id: "s1").lastEventSeq == (try store.read { db throws(StoreError) in
                try db.scalar("SELECT max(seq) FROM events WHERE sid = 1") ?? 0 }))
            // An existing key is written at the cap, applied and merged alike; another session has its own count.
            if case .applied(let row, _) = try store.writeRow(session: "s1", actor: "bob", key: "a", value: 2, baseVersion: 1) {
                #expect(row.version == 2)
            } else { Issue.record("an update at the cap was not applied") }
            _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: ["x": 1], baseVersion: 1)
            _ = try store.writeRow(session: "s2", actor: "bob", key: "d", value: 1, baseVersion: 0)
            // The non-blocking path is held to it too.
            let result = try awaitResult { done in
                store.writeRow(session: "s1", actor: "bob", key: "e", value: 1, baseVersion: 0, completion: done)
            }
            #expect(result == "limit_exceeded")
        }
    }

    @Test func concurrentNewKeysFillTheCapExactly() throws {
        try withStore(configure: { $0.maxRowsPerSession = 50 }) { store in
            try makeSession(store)
            let outcomes = Mutex<[String: Int]>([:])
            let group = DispatchGroup()
            // Submitted at once, so the writer takes many of them into each group commit.
            for i in 0..<200 {
                group.enter()
                store.writeRow(session: "s1", actor: "bob", key: "k\(i)", value: .integer(Int64(i)), baseVersion: 0) { result in
                    let code: String
                    switch result {
                    case .success: code = "ok"
                    case .failure(let error): code = error.code
                    }
                    outcomes.withLock { $0[code, default: 0] += 1 }
                    group.leave()
                }
            }
            group.wait()
            #expect(outcomes.withLock { $0 } == ["ok": 50, "limit_exceeded": 150])
            #expect(try store.stateRows(session: "s1", actor: "bob").count == 50)
        }
    }

    @Test func aRestoreAtTheCapRewritesItsRows() throws {
        try withStore(configure: { $0.maxRowsPerSession = 2 }) { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: 1, baseVersion: 0)
            _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "cp")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: 2, baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: 2, baseVersion: 0)
            // Rows are never deleted: a restore only writes rows the session has (b, made since, becomes null).
            let restored = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "cp")
            #expect(restored.rows.map(\.key) == ["a", "b"])
            #expect(try store.stateRow(session: "s1", actor: "bob", key: "a")?.value == 1)
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "c", value: 1, baseVersion: 0) } == "limit_exceeded")
        }
    }

    @Test func branchMergeBringingNewKeysPastTheCapWritesNothing() throws {
        try withStore(configure: { $0.maxRowsPerSession = 4; $0.maxCommentsPerSession = 3 }) { store in
            try makeSession(store)
            for key in ["a", "b", "c"] { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: 1, baseVersion: 0) }
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.writeRow(session: "b1", actor: "bob", key: "branch-only", value: 1, baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "parent-only", value: 1, baseVersion: 0)
            let before = try tableCounts(store)
            let refused = message { _ = try store.mergeBranch(branch: "b1", actor: "alice") }
            #expect(refused?.contains("server setting max-rows-per-session = 4") == true, "\(refused ?? "")")
            #expect(try tableCounts(store) == before)
            #expect(try store.session(id: "b1").branchStatus == "open")
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "branch-only") == nil)
        }
    }

    @Test func branchMergeCarryingCommentsPastTheCapWritesNothing() throws {
        try withStore(configure: { $0.maxCommentsPerSession = 3 }) { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t1"))
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "p1")
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "p2")
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            // The branch copied the two comments: one more fits there, and the merge carries it.
            let turn = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "t2"))
            _ = try store.addComment(session: "b1", actor: "carol", turnSeq: turn.seq, body: "b")
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "p3")
            let before = try tableCounts(store)
            let refused = message { _ = try store.mergeBranch(branch: "b1", actor: "alice") }
            #expect(refused?.hasPrefix("limit_exceeded: session s1 has 3 comments") == true, "\(refused ?? "")")
            #expect(refused?.contains("max-comments-per-session = 3") == true)
            #expect(try tableCounts(store) == before)
        }
    }

    @Test func commentsCap() throws {
        try withStore(configure: { $0.maxCommentsPerSession = 2 }) { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "a"), NewTurn(role: .user, content: "b")])
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "one")
            _ = try store.addComment(session: "s1", actor: "bob", turnSeq: 2, body: "two")
            let before = try tableCounts(store)
            let refused = message { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 2, body: "three") }
            #expect(refused?.hasPrefix("limit_exceeded: session s1 has 2 comments") == true, "\(refused ?? "")")
            #expect(refused?.contains("server setting max-comments-per-session = 2") == true)
            #expect(try tableCounts(store) == before)
        }
    }

    @Test func membersCapRefusesNewMembersOnly() throws {
        try withStore(configure: { $0.maxMembersPerSession = 4 }) { store in
            try makeSession(store) // alice, bob, carol, dave
            let before = try tableCounts(store)
            let refused = message { try store.setMember(session: "s1", actor: "alice", user: "erin", role: .read) }
            #expect(refused?.hasPrefix("limit_exceeded: session s1 has 4 members") == true, "\(refused ?? "")")
            #expect(refused?.contains("server setting max-members-per-session = 4") == true)
            #expect(try tableCounts(store) == before)
            // A role change adds no one; a removal makes room.
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .admin)
            try store.removeMember(session: "s1", actor: "alice", user: "dave")
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .read)
            #expect(errorCode { try store.setMember(session: "s1", actor: "alice", user: "dave", role: .read) } == "limit_exceeded")
            // The operator is not held to it.
            _ = try store.adminSetMember(session: "s1", user: "dave", role: .read)
            #expect(try store.adminMemberPage(session: "s1").members.count == 5)
        }
    }

    @Test func templatesAndClaimedImportsAreHeldToTheCaps() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        // Made under roomy caps: 4 members, 3 rows, 2 comments.
        var roomy = StoreConfiguration(path: dir.dbPath)
        roomy.clock = { 1_700_000_000_000 }
        let document: JSONValue
        do {
            let store = try Store(roomy)
            defer { store.close() }
            try createTestUsers(store)
            try makeSession(store)
            for key in ["a", "b", "c"] { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: 1, baseVersion: 0) }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "one")
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "two")
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
            document = try store.exportSession(id: "s1", actor: "alice")
        }
        for (configure, setting) in [({ (c: inout StoreConfiguration) in c.maxRowsPerSession = 2 }, "max-rows-per-session"),
                                     ({ (c: inout StoreConfiguration) in c.maxMembersPerSession = 3 }, "max-members-per-session")] {
            var tight = roomy
            configure(&tight)
            let store = try Store(tight)
            defer { store.close() }
            let before = try tableCounts(store)
            let refused = message { _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "from-t") }
            #expect(refused?.contains("server setting \(setting)") == true, "\(refused ?? "")")
            // Written in steps, like an import: the refused session's hidden rows go with the delete steps.
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
        }
        for (configure, setting) in [({ (c: inout StoreConfiguration) in c.maxRowsPerSession = 2 }, "max-rows-per-session"),
                                     ({ (c: inout StoreConfiguration) in c.maxCommentsPerSession = 1 }, "max-comments-per-session")] {
            var tight = roomy
            configure(&tight)
            let store = try Store(tight)
            defer { store.close() }
            let before = try tableCounts(store)
            let refused = message { _ = try store.importSession(document, asID: "imp", claimedBy: "bob") }
            #expect(refused?.contains("server setting \(setting)") == true, "\(refused ?? "")")
            // The hidden session of the refused import goes with the delete steps: nothing is left.
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
            #expect(errorCode { _ = try store.session(id: "imp") } == "not_found")
            // The operator's import is not held to them.
            _ = try store.importSession(document, asID: "by-operator-\(setting)")
        }
    }

    @Test func countsFollowEveryPathThatAddsOrRemoves() throws {
        try withStore { store in
            try makeRichSession(store)
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .comment)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "more"))
            let last = try store.session(id: "s1").lastTurnSeq
            _ = try store.addComment(session: "s1", actor: "erin", turnSeq: last, body: "on the last")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "late", value: 1, baseVersion: 0)
            // Branches (at the head, and at an earlier turn), a merge with new keys and comments.
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.createBranch(session: "s1", actor: "bob", atSeq: 1, id: "b0")
            _ = try store.writeRow(session: "b1", actor: "bob", key: "from-branch", value: ["v": 1], baseVersion: 0)
            let bt = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "branch turn"))
            _ = try store.addComment(session: "b1", actor: "carol", turnSeq: bt.seq, body: "carried")
            _ = try store.mergeBranch(branch: "b1", actor: "alice")
            try store.setMember(session: "b0", actor: "alice", user: "erin", role: .read)
            // A restore, templates, imports (the operator's and a claimed one), removals, deletes.
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "cp")
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
            _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "from-t")
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy")
            _ = try store.importSession(document, asID: "claimed", claimedBy: "bob")
            try store.removeMember(session: "s1", actor: "alice", user: "carol")
            _ = try store.adminRemoveMember(session: "copy", user: "dave")
            try store.adminRemoveUser(id: "erin")
            try store.deleteSession(id: "b0", actor: "alice")
            try store.deleteSession(id: "from-t", actor: "alice")
            try store.finishDeletes()
            let mismatches = try countMismatches(store)
            #expect(mismatches.isEmpty, "\(mismatches)")
            let sessions = try store.read { db throws(StoreError) in
                (try db.scalar("SELECT count(*) FROM sessions") ?? 0, try db.scalar("SELECT count(*) FROM session_counts") ?? 0,
                 try db.scalar("SELECT sum(row_count) + sum(comment_count) + sum(member_count) FROM session_counts") ?? 0)
            }
            #expect(sessions.0 == 4 && sessions.1 == 4, "\(sessions)") // s1, b1 (merged), copy, claimed
            #expect(sessions.2 > 20)
        }
    }

    @Test func migrationBackfillsTheCountsOfAnExistingDatabase() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 12, title: "old", lastTurn: 1, lastEvent: 1)
            try db.run("INSERT INTO users(id, display_name, created_at) VALUES ('bob','Bob',1), ('carol','Carol',1)")
            try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at) VALUES ('other','','bob',1,1)")
            try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at) VALUES ('empty','','bob',1,1)")
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (1,'bob','write',1), (1,'carol','read',1), (2,'bob','owner',1)")
            try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,1,'user','alice','x',1,1)")
            for i in 0..<7 {
                try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at) VALUES (1,?,1,'1','alice',1)", [.text("k\(i)")])
            }
            try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at) VALUES (2,'only',1,'1','bob',1)")
            for _ in 0..<5 { try db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (1,1,'alice','c',1)") }
        }
        var config = StoreConfiguration(path: dir.dbPath)
        config.maxRowsPerSession = 7
        let store = try Store(config)
        defer { store.close() }
        let counts = try store.read { db throws(StoreError) in
            try db.query("SELECT s.id, c.row_count, c.comment_count, c.member_count FROM session_counts c JOIN sessions s USING (sid) ORDER BY s.id") {
                "\($0.text(0)):\($0.int(1)),\($0.int(2)),\($0.int(3))"
            }
        }
        #expect(counts == ["empty:0,0,0", "old:7,5,3", "other:1,0,1"])
        // The backfilled count is the one the cap reads.
        #expect(errorCode { _ = try store.writeRow(session: "old", actor: "alice", key: "k7", value: 1, baseVersion: 0) } == "limit_exceeded")
        _ = try store.writeRow(session: "other", actor: "bob", key: "k7", value: 1, baseVersion: 0)
        #expect(try countMismatches(store).isEmpty)
    }

    /// Sessions whose trigger-kept counts differ from `count(*)`, with both.
    private func countMismatches(_ store: Store) throws -> [String] {
        try store.read { db throws(StoreError) in
            try db.query("""
                SELECT s.sid, c.row_count, (SELECT count(*) FROM state_rows r WHERE r.sid = s.sid),
                       c.comment_count, (SELECT count(*) FROM comments m WHERE m.sid = s.sid),
                       c.member_count, (SELECT count(*) FROM members m WHERE m.sid = s.sid)
                FROM sessions s LEFT JOIN session_counts c USING (sid)
                WHERE c.sid IS NULL OR c.row_count <> (SELECT count(*) FROM state_rows r WHERE r.sid = s.sid)
                   OR c.comment_count <> (SELECT count(*) FROM comments m WHERE m.sid = s.sid)
                   OR c.member_count <> (SELECT count(*) FROM members m WHERE m.sid = s.sid)
                """) { "sid \($0.int(0)): rows \($0.optionalInt(1) ?? -1)/\($0.int(2)), comments \($0.optionalInt(3) ?? -1)/\($0.int(4)), members \($0.optionalInt(5) ?? -1)/\($0.int(6))" }
            + (try db.query("SELECT sid FROM session_counts WHERE sid NOT IN (SELECT sid FROM sessions)") { "orphan counts of sid \($0.int(0))" })
        }
    }

    /// The error code a non-blocking write completed with ("ok" when it succeeded).
    private func awaitResult<T: Sendable>(_ start: (@escaping @Sendable (Result<T, StoreError>) -> Void) -> Void) throws -> String {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex("")
        start { result in
            switch result {
            case .success: outcome.withLock { $0 = "ok" }
            case .failure(let error): outcome.withLock { $0 = error.code }
            }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }
}
