import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Session deletes: gone for everyone at once, rows removed a bounded step at a time
/// (`SessionReaper`), by the writer between jobs or by `finishDeletes`, resumed after a restart.
@Suite struct SessionDeleteTests {
    /// A session with rows in every table a session has: turns, events, comments, state rows
    /// and history, contributions, checkpoints, a clear, share links, members, and a branch of it.
    private func fill(_ store: Store, id: String = "s1", turns: Int = 25) throws {
        try makeSession(store, id: id)
        for i in 0..<turns {
            _ = try store.appendTurn(session: id, actor: "bob", NewTurn(role: .user, content: "walrus \(i)"))
            if i == 0 { _ = try store.clearTurns(session: id, actor: "alice") } // the first turn cleared, the rest live
        }
        _ = try store.addComment(session: id, actor: "carol", turnSeq: 2, body: "note")
        for v in 0..<5 { _ = try store.writeRow(session: id, actor: "bob", key: "k\(v % 2)", value: .number(Double(v)), baseVersion: Int64(v / 2)) }
        _ = try store.saveCheckpoint(session: id, actor: "alice", name: "cp")
        _ = try store.createShareLink(session: id, actor: "alice", expiresAt: nil)
    }

    private let childTables = ["members", "turns", "events", "comments", "state_rows", "state_history",
                               "contributions", "checkpoints", "share_links", "turn_retirements"]

    @Test func aDeletedSessionIsGoneAtOnceAndItsIdFree() throws {
        try withStore { store in
            try fill(store)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            let link = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            try store.deleteSession(id: "s1", actor: "alice")
            // Whether or not the writer has removed any rows yet, nothing shows the session.
            #expect(errorCode { _ = try store.session(id: "s1") } == "not_found")
            #expect(errorCode { _ = try store.lastTurns(session: "s1", actor: "bob", count: 5) } == "not_found")
            #expect(errorCode { _ = try store.resolveShareLink(secret: link.secret) } != nil)
            #expect(try store.listSessions(SessionFilter()).sessions.map(\.id) == ["b1"])
            #expect(try store.listSessions(SessionFilter(member: "bob")).sessions.map(\.id) == ["b1"])
            #expect(try store.search("walrus").allSatisfy { $0.sessionID == "b1" })
            #expect(try store.search("Planning").allSatisfy { $0.sessionID == "b1" })
            #expect(try store.session(id: "b1").parentID == nil) // its parent is gone
            #expect(try store.auditLog(session: "s1").map(\.action).first == "session.delete")
            // The id is free at once; the new session starts empty.
            _ = try store.createSession(id: "s1", title: "Again", owner: "erin")
            #expect(try store.lastTurns(session: "s1", actor: "erin", count: 50).isEmpty)
            #expect(try store.session(id: "s1").lastTurnSeq == 0)
        }
    }

    @Test func stepsRemoveEverythingAFewRowsAtATime() throws {
        try withStore(configure: { $0.deleteStepRows = 7 }) { store in
            try fill(store, id: "s1")
            try fill(store, id: "s2", turns: 3)
            let before = try tableCounts(store)
            let batchesBefore = store.writer.batches
            try store.deleteSession(id: "s1", actor: "alice")
            try store.finishDeletes()
            #expect(try store.pendingDeletes() == 0)
            // At most 7 rows a step: the 25 turns alone take 4 steps.
            #expect(store.writer.batches - batchesBefore >= 1 + 25 / 7)
            let after = try tableCounts(store)
            #expect(after["sessions"] == 1)
            // Exactly s1's rows went; s2 kept all of its own (half of each child table, s2 holding 3 turns).
            let s2 = try store.read { db throws(StoreError) in
                try db.scalar("SELECT count(*) FROM turns t JOIN sessions s ON s.sid = t.sid WHERE s.id = 's2'") ?? -1
            }
            #expect(s2 == 3 && after["turns"] == 3)
            for table in childTables where table != "turns" {
                #expect(after[table]! > 0 && after[table]! < before[table]!, "\(table)")
            }
            #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
            #expect(try store.read { db throws(StoreError) in try db.scalar("PRAGMA foreign_key_check") } == nil)
            // The search index forgot every one of s1's turns.
            try store.catchUpSearchIndex()
            #expect(try store.read { db throws(StoreError) in
                try db.scalar("SELECT count(*) FROM search.turns_fts WHERE turns_fts MATCH 'walrus'") } == 3)
            #expect(try Set(store.search("walrus").map(\.sessionID)) == ["s2"])
        }
    }

    @Test func theWriterRemovesTheRowsOnItsOwnBetweenJobs() throws {
        try withStore(configure: { $0.deleteStepRows = 5 }) { store in
            try fill(store)
            try store.deleteSession(id: "s1", actor: "alice")
            let deadline = Date().addingTimeInterval(10)
            while try store.pendingDeletes() > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try store.pendingDeletes() == 0)
            let counts = try tableCounts(store)
            for table in ["sessions"] + childTables { #expect(counts[table] == 0, "\(table)") }
        }
    }

    @Test func aBusyWriterStillGetsThroughTheDelete() throws {
        try withStore(configure: { $0.deleteStepRows = 10 }) { store in
            try fill(store, id: "big", turns: 200)
            try makeSession(store, id: "busy")
            try store.deleteSession(id: "big", actor: "alice")
            // Keep the queue from ever emptying: posts submitted faster than committed, but at most
            // 500 waiting. (Unbounded, the backlog grew with the machine's slowness: on a quarter of a
            // core the batches it made kept the delete's 20 steps from ending within the deadline.)
            // The deadline only stops a writer that never gets through.
            let posted = Atomic<Int>(0)
            var submitted = 0
            let deadline = Date().addingTimeInterval(60)
            while try store.pendingDeletes() > 0 && Date() < deadline {
                if submitted - posted.load(ordering: .relaxed) > 450 {
                    Thread.sleep(forTimeInterval: 0.002)
                    continue
                }
                submitted += 50
                for _ in 0..<50 {
                    store.appendTurns(session: "busy", actor: "bob", [NewTurn(role: .user, content: "x")]) { _ in
                        posted.add(1, ordering: .relaxed)
                    }
                }
                Thread.sleep(forTimeInterval: 0.002)
            }
            #expect(try store.pendingDeletes() == 0)
            // Every post was committed too (the writer served both).
            while posted.load(ordering: .relaxed) < submitted { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try store.session(id: "busy").lastTurnSeq == Int64(submitted))
        }
    }

    @Test func aRestartResumesADeleteLeftHalfWay() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.deleteStepRows = 4
        do {
            let store = try Store(config)
            try createTestUsers(store)
            try fill(store)
            // Hide it and take one step by hand, then close before the writer could go on: a
            // process killed half-way through leaves the same state (each step commits alone).
            store.writer.submit({ ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET status = 'deleting', id = '~deleting~' || sid, title = '' WHERE id = 's1'")
                try SessionReaper.step(ctx, maxRows: 4)
            }, completion: { _ in })
            store.close()
        }
        let leftover = try Store(config)
        defer { leftover.close() }
        let deadline = Date().addingTimeInterval(10)
        while try leftover.pendingDeletes() > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try leftover.pendingDeletes() == 0)
        let counts = try tableCounts(leftover)
        for table in ["sessions"] + childTables { #expect(counts[table] == 0, "\(table)") }
    }

    @Test func removingAUserFinishesTheirSessionsStillBeingDeleted() throws {
        try withStore { store in
            _ = try store.createSession(id: "e1", title: "Erin's", owner: "erin")
            for i in 0..<10 { _ = try store.appendTurn(session: "e1", actor: "erin", NewTurn(role: .user, content: "t\(i)")) }
            // Hidden in the same batch as the removal, so the writer cannot have removed its rows
            // in between: erin still owns the session row when the removal runs.
            store.writer.enqueue(deferrable: false, savepoint: true, wake: false, { ctx throws(StoreError) in
                try SessionReaper.hide(ctx, sid: try ctx.db.sessionRef("e1", actor: nil).sid, actor: "admin")
            }, completion: { _ in })
            try store.adminRemoveUser(id: "erin")
            #expect(try store.pendingDeletes() == 0)
            #expect(try store.adminUsers().map(\.id).contains("erin") == false)
        }
    }

    @Test func adminDeleteAndPurgeReturnWithEveryRowGone() throws {
        let clock = TestClock()
        try withStore(clock: clock, configure: { $0.deleteStepRows = 3 }) { store in
            try fill(store, id: "s1")
            try fill(store, id: "s2")
            try store.adminDeleteSession(id: "s1")
            #expect(try store.read { db throws(StoreError) in
                try db.scalar("SELECT count(*) FROM sessions WHERE status = 'deleting'") } == 0)
            #expect(try tableCounts(store)["sessions"] == 1)
            _ = try store.adminArchiveSession(id: "s2")
            clock.advance(10_000)
            #expect(try store.purgeArchived(olderThan: 1_000) == ["s2"])
            try store.finishDeletes()
            let counts = try tableCounts(store)
            for table in ["sessions"] + childTables { #expect(counts[table] == 0, "\(table)") }
            #expect(try store.auditLog(session: "s2").map(\.action).first == "session.purge")
        }
    }
}
