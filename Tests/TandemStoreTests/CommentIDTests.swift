import Foundation
import Testing
@testable import TandemStore

/// Comment ids are numbered server-wide and never handed out again: not after the comments with the
/// highest ids went with their session (a delete or a branch discard), when SQLite's plain
/// `INTEGER PRIMARY KEY` gave the next comment the highest id left plus one. Migration 19
/// (`comment-ids`) makes `comments.id` AUTOINCREMENT, keeping the ids already given.
@Suite struct CommentIDTests {
    @Test func aDeletedSessionsCommentIdsAreNotGivenAgain() throws {
        try withStore { store in
            try makeSession(store, id: "kept")
            _ = try store.appendTurn(session: "kept", actor: "bob", NewTurn(role: .user, content: "a"))
            let first = try store.addComment(session: "kept", actor: "carol", turnSeq: 1, body: "first")
            try makeSession(store, id: "gone")
            _ = try store.appendTurn(session: "gone", actor: "bob", NewTurn(role: .user, content: "b"))
            var given = [first.id]
            for i in 0..<3 { given.append(try store.addComment(session: "gone", actor: "carol", turnSeq: 1, body: "c\(i)").id) }
            _ = try store.deleteSession(id: "gone", actor: "alice")
            try store.finishDeletes()
            let next = try store.addComment(session: "kept", actor: "carol", turnSeq: 1, body: "after the delete")
            #expect(next.id > given.max()!, "comment id \(next.id) given again (ids given before: \(given))")
        }
    }

    @Test func aDiscardedBranchsCommentIdsAreNotGivenAgainEvenWhenNoCommentIsLeft() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "a"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            let inBranch = try store.addComment(session: "b", actor: "carol", turnSeq: 1, body: "in the branch")
            _ = try store.discardBranch(branch: "b", actor: "alice")
            try store.finishDeletes()
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM comments") } == 0)
            let next = try store.addComment(session: "p", actor: "carol", turnSeq: 1, body: "after the discard")
            #expect(next.id > inBranch.id, "comment id \(next.id) given again (the branch's was \(inBranch.id))")
        }
    }

    /// A database from before migration 19: the rebuild keeps every comment with its id, the
    /// per-session count, the index and the triggers; the next id follows the highest kept.
    @Test func migration19KeepsEveryCommentAndItsId() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 18, title: "Old", lastTurn: 1, lastEvent: 1)
            try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,1,'user','alice','t',5,1)")
            for id in [2, 3, 7] {
                try db.run("INSERT INTO comments(id, sid, turn_seq, author, body, created_at) VALUES (?,1,1,'alice',?,6)",
                           [.int(id), .text("c\(id)")])
            }
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.comments(session: "old", actor: "alice").map(\.id) == [2, 3, 7])
        #expect(try store.comments(session: "old", actor: "alice").map(\.body) == ["c2", "c3", "c7"])
        let (count, index, triggers, autoincrement) = try store.read { db throws(StoreError) in
            (try db.scalar("SELECT comment_count FROM session_counts WHERE sid = 1"),
             try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'comments_turn'"),
             try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'comments'"),
             try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'comments' AND sql LIKE '%AUTOINCREMENT%'"))
        }
        #expect(count == 3)
        #expect(index == 1)
        #expect(triggers == 2)
        #expect(autoincrement == 1)
        let next = try store.addComment(session: "old", actor: "alice", turnSeq: 1, body: "new")
        #expect(next.id == 8)
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT comment_count FROM session_counts WHERE sid = 1") } == 4)
    }

    /// A database a build between migrations 18 and 20 wrote (19 was missing from it): opening it
    /// applies 19 after 20, and the ids given by then are still not given again.
    @Test func aDatabaseAt20Without19Gets19() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 18, title: "Old", lastTurn: 1, lastEvent: 1)
            try db.execute(Schema.checkpointTimeTies)
            try db.run("INSERT INTO schema_migrations(version, name, applied_at) VALUES (20, 'checkpoint-time-ties', 2)")
            try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,1,'user','alice','t',5,1)")
            try db.run("INSERT INTO comments(id, sid, turn_seq, author, body, created_at) VALUES (4,1,1,'alice','c',6)")
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        let versions = try store.read { db throws(StoreError) in try Migrations.applied(db).map(\.version) }
        #expect(versions == Migrations.all.map(\.version) && versions.prefix(20) == ArraySlice(1...20))
        let next = try store.addComment(session: "old", actor: "alice", turnSeq: 1, body: "new")
        #expect(next.id == 5)
        _ = try store.deleteSession(id: "old", actor: "alice")
        try store.finishDeletes()
        _ = try store.createSession(id: "fresh", title: "F", owner: "alice")
        _ = try store.appendTurn(session: "fresh", actor: "alice", NewTurn(role: .user, content: "a"))
        #expect(try store.addComment(session: "fresh", actor: "alice", turnSeq: 1, body: "after").id == 6)
    }
}
