import Foundation
import Testing
import TandemStore

/// tandem-admin on a database on a read-only file system (a read-only mount, a snapshot, a backup
/// volume). Without its -shm file SQLite cannot read a WAL database there at all ("unable to open
/// database file"); tandem-admin then opens it with immutable=1, so reading commands work and
/// writing ones say why they cannot.
///
/// The read-only file system is real: each run of the binary is in its own mount namespace
/// (`unshare --user --map-root-user --mount`), where the database's directory is bind-mounted
/// onto itself read-only. A chmod would not do: the tests run as root here, and root writes
/// through file modes (and a file that is only not writable is not one nothing can be writing).
@Suite struct ReadOnlyMountTests {
    /// Runs tandem-admin with `directory` mounted read-only.
    private func runReadOnly(_ args: [String], directory: String) throws -> CLIResult {
        let script = "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\""
        return try runAdmin(args, in: NSTemporaryDirectory(),
                            launcher: ["/usr/bin/unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, directory])
    }

    @Test func readingCommandsWorkAndWritingOnesSayTheFileSystemIsReadOnly() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        _ = try f.seed { store in try store.adminCreateShareLink(session: "s1", expiresAt: store.now + 60_000) }
        // The database alone, without -wal and -shm (as a backup restored onto a read-only volume).
        let volume = f.dir + "/volume"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        let db = volume + "/tandem.db"
        try Store.backup(databaseAt: f.db, to: db)
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == ["tandem.db"])

        // The mount really is read-only in there.
        let probe = try runAdmin(["--version"], in: NSTemporaryDirectory(),
                                 launcher: ["/usr/bin/unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                                            "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && touch \"$0/x\"; exec \"$@\"", volume])
        #expect(probe.stderr.contains("Read-only file system"), "\(probe.stderr)")

        let users = try runReadOnly(["users", "list", "--db", db], directory: volume)
        expectStatus(users, 0)
        #expect(users.rows.map { $0[0] } == ["alice", "bob", "carol", "erin"])
        let sessions = try runReadOnly(["sessions", "list", "--json", "--db", db], directory: volume)
        expectStatus(sessions, 0)
        #expect(try sessions.json()["sessions"]?.arrayValue?.first?["id"] == "s1")
        let shares = try runReadOnly(["share", "list", "--json", "--db", db], directory: volume)
        expectStatus(shares, 0)
        #expect(try shares.json()["shares"]?.arrayValue?.count == 1)
        let copy = f.dir + "/copy.db"
        expectStatus(try runReadOnly(["backup", copy, "--db", db], directory: volume), 0)
        let copied = try Store(StoreConfiguration(path: copy))
        #expect(try copied.adminUsers().count == 4)
        copied.close()

        let write = try runReadOnly(["users", "add", "dave", "--db", db], directory: volume)
        expectStatus(write, 4)
        #expect(write.stderr.contains("is on a read-only file system and was opened for reading only"), "\(write.stderr)")
        let grant = try runReadOnly(["grant", "erin", "s1", "read", "--db", db], directory: volume)
        expectStatus(grant, 4)
        #expect(grant.stderr.contains("read-only file system"), "\(grant.stderr)")
        // Nothing was written beside the database (no -shm, no -wal), and it still reads the same.
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == ["tandem.db"])
        let reopened = try Store(StoreConfiguration(path: db))
        #expect(try reopened.adminUsers().map(\.id) == ["alice", "bob", "carol", "erin"])
        reopened.close()
    }

    @Test func aWritableDatabaseIsNotOpenedImmutable() throws {
        // Only a read-only file system makes immutable=1 safe: on a writable one another process
        // may be writing, so a write through tandem-admin there must work as ever.
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        #expect(ReadOnlyFileSystem.holds(f.db) == false)
        expectStatus(try f.run(["users", "add", "dave"]), 0)
    }
}
