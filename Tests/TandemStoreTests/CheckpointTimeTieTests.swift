import Foundation
import Testing
@testable import TandemStore

/// Checkpoints saved before migration 8 had no change-log position; the migration gave each "the last
/// change made before its time". A clear (or restore) made in the checkpoint's own millisecond, after
/// it, was counted as before it (`created_at <=`), so a checkpoint that clear made stale restored its rows
/// without their turns. Found by the upgrade fixtures (Tests/fixtures/upgrade, schema-6: a script saved a
/// checkpoint and cleared the session within a millisecond). A clear or restore in that millisecond now
/// counts as after the checkpoint (the ties cannot be told apart; refusing a restore is the safe side),
/// and migration 20 corrects the positions migration 8 already gave.
@Suite struct CheckpointTimeTieTests {
    /// A version-7 session: turns 1-2 and a checkpoint at turn 2, then a clear of both (event 3), all
    /// at time 20.
    private func version7SaveThenClearInOneMillisecond(_ path: String, version: Int) throws -> Database {
        let db = try legacyDatabase(at: path, version: version, title: "Old", lastTurn: 2, lastEvent: 3)
        for seq in [1, 2] {
            try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,?,'user','alice','t',20,?)",
                       [.int(seq), .int(seq)])
            try db.run("INSERT INTO events(sid, seq, kind, turn_seq, created_at) VALUES (1,?,'turn',?,20)", [.int(seq), .int(seq)])
        }
        try db.run("INSERT INTO events(sid, seq, kind, turn_seq, created_at) VALUES (1,3,'clear',2,20)")
        try db.run("INSERT INTO turn_retirements(sid, after, through, state) VALUES (1,0,2,2)")
        return db
    }

    @Test func migration8CountsAClearInTheCheckpointsMillisecondAsAfterIt() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try version7SaveThenClearInOneMillisecond(dir.dbPath, version: 7)
            try db.run("INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at) VALUES (1,'one',2,'{}','alice',20)")
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(errorCode { _ = try store.restoreCheckpoint(session: "old", actor: "alice", name: "one") } == "stale_checkpoint")
    }

    @Test func migration20MovesACheckpointMigration8PlacedAfterAClearOfItsMillisecond() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            // Migrated to 18 by a build with the old rule (applied at time 100): `one` (saved at 20,
            // before migration 8) was given position 3, the clear's. In another session, `exact` was
            // saved at 300 by a build with migration 8, right after a clear in the same millisecond:
            // its position (2) is the one it was saved at and must stay.
            let db = try version7SaveThenClearInOneMillisecond(dir.dbPath, version: 18)
            try db.run("UPDATE schema_migrations SET applied_at = 100 WHERE version = 8")
            try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at, last_turn_seq, last_event_seq) VALUES ('new','New','alice',300,300,1,2)")
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (2,'alice','owner',300)")
            try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (2,1,'user','alice','t',300,1)")
            try db.run("INSERT INTO events(sid, seq, kind, turn_seq, created_at) VALUES (2,1,'turn',1,300), (2,2,'clear',1,300)")
            try db.run("INSERT INTO turn_retirements(sid, after, through, state) VALUES (2,0,1,2)")
            try db.run("""
                INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count)
                VALUES (1,'one',2,'{}','alice',20,3,0), (2,'exact',1,'{}','alice',300,2,0)
                """)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(errorCode { _ = try store.restoreCheckpoint(session: "old", actor: "alice", name: "one") } == "stale_checkpoint")
        #expect(errorCode { _ = try store.restoreCheckpoint(session: "new", actor: "alice", name: "exact") } == nil)
    }
}
