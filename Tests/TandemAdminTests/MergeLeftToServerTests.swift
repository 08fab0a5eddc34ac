import CSQLite
import Foundation
import Testing
import TandemStore

/// A branch merge under way is the running tandemd's to finish: a tandem-admin opened beside it
/// (the server's `flock` on `DB-lock` held) leaves the job; with no server it finishes it. (Finishing
/// it beside a server cut the server's steps short and its merger's answer named only the turns
/// its own steps wrote: found by the consistency checker.)
@Suite struct MergeLeftToServerTests {
    /// s1 with 3 turns, branch b1 forked at 3 with 5 turns of its own, and a merge job recorded as
    /// a merger cut off after its plan leaves it (phase `turns`, nothing merged yet).
    private func pendingMerge(_ fixture: AdminFixture) throws {
        try fixture.seedStandard()
        try fixture.seed { store in
            for i in 1...3 { _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "p\(i)")) }
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            for i in 1...5 { _ = try store.appendTurn(session: "b1", actor: "alice", NewTurn(role: .user, content: "b\(i)")) }
        }
        try sql(fixture.db, """
            INSERT INTO branch_merges(branch_sid, parent_sid, actor, phase, turn_cursor, started_at, updated_at)
            SELECT b.sid, p.sid, 'alice', 'turns', 3, 0, 0 FROM sessions b, sessions p WHERE b.id = 'b1' AND p.id = 's1'
            """)
    }

    @Test func aToolBesideARunningServerLeavesTheMergeAndOneAloneFinishesIt() throws {
        let fixture = AdminFixture()
        defer { fixture.cleanup() }
        try pendingMerge(fixture)
        // A server serving the file: its lock held (here by the test process, as tandemd holds it).
        let lock = open(fixture.db + "-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        expectStatus(try fixture.run(["sessions", "list"]), 0)
        #expect(try count(fixture.db, "SELECT count(*) FROM branch_merges") == 1)
        #expect(try count(fixture.db, "SELECT count(*) FROM turns t JOIN sessions s USING (sid) WHERE s.id = 's1'") == 3)
        close(lock)
        // No server: the tool's open finishes it, every branch turn once, after the parent's.
        expectStatus(try fixture.run(["sessions", "list"]), 0)
        #expect(try count(fixture.db, "SELECT count(*) FROM branch_merges") == 0)
        let contents = try fixture.seed { store in try store.turns(session: "s1", actor: "alice", since: 0).map(\.content) }
        #expect(contents == ["p1", "p2", "p3", "b1", "b2", "b3", "b4", "b5"])
    }

    private func sql(_ path: String, _ statement: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open(path, &db) == SQLITE_OK, sqlite3_exec(db, statement, nil, nil, nil) == SQLITE_OK else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: sqlite3_errmsg(db))])
        }
    }

    private func count(_ path: String, _ query: String) throws -> Int64 {
        var db: OpaquePointer?
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement); sqlite3_close(db) }
        guard sqlite3_open(path, &db) == SQLITE_OK, sqlite3_prepare_v2(db, query, -1, &statement, nil) == SQLITE_OK,
              sqlite3_step(statement) == SQLITE_ROW else { throw CocoaError(.fileReadUnknown) }
        return sqlite3_column_int64(statement, 0)
    }
}
