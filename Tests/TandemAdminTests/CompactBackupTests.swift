import Foundation
import Testing
import TandemStore

/// A deleted session's pages stay in the database file as free pages (SQLite reuses them; only a
/// file `compact` converted gives them back to the disk online). `backup --compact` is a copy
/// without them, `compact` the file itself rewritten.
@Suite struct CompactBackupTests {
    private func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test func aCompactBackupLeavesOutWhatADeletedSessionFreed() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.createSession(id: "big", title: "to delete", owner: "alice")
            let text = String(repeating: "y", count: 4000)
            for _ in 0..<20 { // ~8 MB
                _ = try store.appendTurns(session: "big", actor: "alice", (0..<100).map { _ in NewTurn(role: .user, content: text) })
            }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "kept"))
        }
        expectStatus(try f.run(["sessions", "delete", "big", "--yes"]), 0)

        let plain = f.dir + "/plain.db", packed = f.dir + "/packed.db"
        expectStatus(try f.run(["backup", plain]), 0)
        let compacted = try f.run(["backup", "--compact", packed])
        expectStatus(compacted, 0)
        #expect(compacted.stdout.contains("backed up"), "\(compacted.stdout)")
        // The deleted turns' pages are free in the database and its plain copy, and absent from the
        // compact one. (Their text also waits in search_forget_turns until tandemd's index forgets
        // them: a copy of either kind keeps that.)
        let plainPages = try Database(path: plain, readOnly: true)
        let freed = try #require(try plainPages.scalar("PRAGMA freelist_count"))
        let pageSize = try #require(try plainPages.scalar("PRAGMA page_size"))
        #expect(freed >= 200, "deleting 2,000 turns of 4 KB freed pages: \(freed)")
        let packedPages = try Database(path: packed, readOnly: true)
        #expect(try packedPages.scalar("PRAGMA freelist_count") == 0)
        // The copy keeps the source's mode (NONE: new files cost no pointer-map upkeep).
        #expect(try packedPages.scalar("PRAGMA auto_vacuum") == 0)
        let (plainSize, packedSize) = (try size(plain), try size(packed))
        #expect(Int64(plainSize - packedSize) >= freed * pageSize * 9 / 10, "\(plainSize) → \(packedSize) bytes, \(freed) free pages")

        // The compact copy is the same database: it opens at its schema version, with the rows kept.
        var configuration = StoreConfiguration(path: packed)
        configuration.indexTurnsForSearch = false
        configuration.migrates = false
        let copy = try Store(configuration)
        defer { copy.close() }
        #expect(try copy.lastTurns(session: "s1", actor: "bob", count: 5).map(\.content) == ["kept"])
        #expect(throws: StoreError.self) { try copy.session(id: "big") }
        #expect(try packedPages.integrityCheck() == ["ok"])

        // Like backup, it refuses to overwrite a file unless told to.
        expectStatus(try f.run(["backup", "--compact", packed]), 3)
    }

    /// `compact` converts a file (auto_vacuum NONE, as every new one) so that tandemd reclaims it
    /// online, and refuses while a server holds the database's lock.
    @Test func compactConvertsANoneFileOfflineOnly() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.createSession(id: "big", title: "to delete", owner: "alice")
            let text = String(repeating: "y", count: 4000)
            _ = try store.appendTurns(session: "big", actor: "alice", (0..<500).map { _ in NewTurn(role: .user, content: text) })
        }
        expectStatus(try f.run(["sessions", "delete", "big", "--yes"]), 0)
        let legacy = try Database(path: f.db, readOnly: true)
        #expect(try legacy.scalar("PRAGMA auto_vacuum") == 0)
        let sizeBefore = try size(f.db)

        // A server serving the file (it holds DB-lock, as tandemd does): refused, the file untouched.
        let (server, _) = try f.startServer()
        let refused = try f.run(["compact"])
        server.shutdown(grace: 0.5)
        expectStatus(refused, 3)
        #expect(refused.stderr.contains("tandemd is serving"), "\(refused.stderr)")
        #expect(try legacy.scalar("PRAGMA auto_vacuum") == 0)

        let done = try f.run(["compact"])
        expectStatus(done, 0)
        #expect(done.stdout.contains("now gives freed space back online"), "\(done.stdout)")
        let converted = try Database(path: f.db, readOnly: true)
        #expect(try converted.scalar("PRAGMA auto_vacuum") == 2)
        #expect(try converted.scalar("PRAGMA freelist_count") == 0)
        #expect(try converted.integrityCheck() == ["ok"])
        // The deleted turns' pages are gone (their text waits in search_forget_turns for tandemd's index).
        let sizeAfter = try size(f.db)
        #expect(sizeAfter < sizeBefore, "\(sizeBefore) -> \(sizeAfter) bytes")
        // Backups keep the mode, plain or compact, and the database still opens and writes.
        expectStatus(try f.run(["backup", f.dir + "/after.db"]), 0)
        let copy = try Database(path: f.dir + "/after.db", readOnly: true)
        #expect(try copy.scalar("PRAGMA auto_vacuum") == 2)
        expectStatus(try f.run(["backup", "--compact", f.dir + "/after-packed.db"]), 0)
        let packed = try Database(path: f.dir + "/after-packed.db", readOnly: true)
        #expect(try packed.scalar("PRAGMA auto_vacuum") == 2)
        expectStatus(try f.run(["sessions", "delete", "s1", "--yes"]), 0)
        #expect(try f.seed { store in (try? store.session(id: "s1")) == nil })
    }

    /// `compact` used to VACUUM a database written by a newer Tandem (a schema this build does not
    /// know, whose tables a rewrite may renumber) and an older one the other commands refuse until
    /// tandemd upgraded it, converting either's mode behind the operator's back. It refuses both
    /// now, as the other commands do (exit 4), and leaves the file as it was.
    @Test func compactRefusesADatabaseOfAnotherSchemaVersion() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let latest = try Database(path: f.db).scalar("SELECT max(version) FROM schema_migrations")
        _ = try Database(path: f.db).run("INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'from the future', 0)")
        let tooNew = try f.run(["compact"])
        expectStatus(tooNew, 4)
        #expect(tooNew.stderr.contains("written by a newer Tandem") && tooNew.stderr.contains("for tandem-admin: use the one of that Tandem version"),
                "\(tooNew.stderr)")
        #expect(try Database(path: f.db, readOnly: true).scalar("PRAGMA auto_vacuum") == 0)

        _ = try Database(path: f.db).run("DELETE FROM schema_migrations WHERE version IN (999, ?)", [.integer(latest ?? 0)])
        let tooOld = try f.run(["compact"])
        expectStatus(tooOld, 4)
        #expect(tooOld.stderr.contains("start tandemd of this version once to upgrade it"), "\(tooOld.stderr)")
        #expect(try Database(path: f.db, readOnly: true).scalar("PRAGMA auto_vacuum") == 0)
    }
}
