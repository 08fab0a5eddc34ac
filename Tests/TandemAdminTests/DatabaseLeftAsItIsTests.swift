import Foundation
import Testing
import TandemStore

/// tandem-admin uses an existing database as it finds it: no schema upgrade (that is tandemd's,
/// after a backup), no search file, and no write lock for a command that only reads.
@Suite struct DatabaseLeftAsItIsTests {
    private func migrationsRecorded(_ path: String) throws -> Int64 {
        let db = try Database(path: path, readOnly: true)
        return try db.scalar("SELECT count(*) FROM schema_migrations") ?? -1
    }

    @Test func anOlderSchemaIsBackedUpAsItIsAndOtherwiseRefused() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let latest = try migrationsRecorded(f.db)
        // The file as an older build left it: its newest migration not recorded yet.
        do {
            // By version, not count: versions may skip numbers (each branch of work takes its own).
            let db = try Database(path: f.db)
            _ = try db.run("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
        }
        let backup = f.dir + "/before-upgrade.db"
        expectStatus(try f.run(["backup", backup]), 0)
        #expect(try migrationsRecorded(backup) == latest - 1, "the backup is the old schema")
        #expect(try migrationsRecorded(f.db) == latest - 1, "and the live file was not upgraded")

        let refused = try f.run(["users", "list"])
        expectStatus(refused, 4)
        #expect(refused.stderr.contains("start tandemd of this version once to upgrade it"), "\(refused.stderr)")
        expectStatus(try f.run(["users", "add", "zed"]), 4)
        #expect(try migrationsRecorded(f.db) == latest - 1)
    }

    @Test func noSearchFileAndNoWriteLockForReads() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let search = f.db + "-search"
        try? FileManager.default.removeItem(atPath: search)
        // Another process holds the write lock (a long write in tandemd, say).
        let holder = try Database(path: f.db)
        try holder.execute("BEGIN IMMEDIATE")
        let started = Date()
        for command in [["users", "list"], ["tokens", "list"], ["sessions", "list"], ["audit"], ["members", "s1"]] {
            expectStatus(try f.run(command), 0)
        }
        // Five reads that each waited out the busy timeout would take far longer (scaled: each
        // tandem-admin run is slower under a sanitizer).
        #expect(Date().timeIntervalSince(started) < 4 * testTimeScale, "reads do not wait for the lock")
        let blocked = try f.run(["users", "add", "zed"])
        expectStatus(blocked, 4)
        #expect(blocked.stderr.contains("the database is busy"), "\(blocked.stderr)")
        try holder.execute("ROLLBACK")
        expectStatus(try f.run(["users", "add", "zed"]), 0)
        #expect(!FileManager.default.fileExists(atPath: search), "tandem-admin leaves the search file to tandemd")
    }
}
