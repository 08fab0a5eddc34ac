import Foundation
@testable import TandemStore
import Testing

/// tandemd started where its database cannot be made or upgraded for want of room, on a real small
/// file system: a tmpfs of a few hundred KiB mounted in a mount namespace of the run's own
/// (`unshare --user --map-root-user --mount`, as ReadOnlyMountTests does), whose files are copied out
/// once tandemd has exited. It used to say only "sqlite: step COMMIT: database or disk is full (13)"
/// and leave a new database at schema 3 of 27 (each migration committed on its own), which
/// tandem-admin then called an old schema to upgrade.
@Suite("tandemd start on a full disk")
struct FullDiskStartTests {
    /// Runs `tandemd arguments` with `mount` a tmpfs of `size` holding copies of `seed`'s files; copies
    /// what it holds afterwards into `out`.
    private func startOnSmallFileSystem(size: String, mount: String, seed: URL, out: URL,
                                        _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let script = """
            mount -t tmpfs -o size="$1" tmpfs "$0" || exit 99
            cp -a "$2"/. "$0"/ || exit 99
            dirs="$0 $3"; shift 4
            "$@"; status=$?
            set -- $dirs; cp -a "$1"/. "$2"/
            exit $status
            """
        let result = try TandemdProcess.run(arguments, behind: ["/usr/bin/unshare", "--user", "--map-root-user", "--mount",
                                                                "sh", "-c", script, mount, size, seed.path, out.path, "--"])
        #expect(result.status != 99, "could not mount a \(size) tmpfs at \(mount): \(result.stderr)")
        return (result.status, result.stderr)
    }

    private func directories(_ name: String) throws -> (root: URL, mount: URL, seed: URL, out: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(name)-\(UUID().uuidString)")
        let (mount, seed, out) = (root.appendingPathComponent("mnt"), root.appendingPathComponent("seed"), root.appendingPathComponent("out"))
        for dir in [mount, seed, out] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        return (root, mount, seed, out)
    }

    private func schemaVersion(_ path: String) throws -> Int64? {
        let db = try Database(path: path, readOnly: true)
        guard try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") == 1 else { return nil }
        return try db.scalar("SELECT max(version) FROM schema_migrations")
    }

    @Test func aFirstStartWithoutRoomSaysSoAndLeavesNoHalfMadeDatabase() throws {
        let (root, mount, seed, out) = try directories("fullstart")
        defer { try? FileManager.default.removeItem(at: root) }
        let db = mount.appendingPathComponent("t.db").path
        let (status, text) = try startOnSmallFileSystem(size: "256k", mount: mount.path, seed: seed, out: out,
                                                        ["--db", db, "--port", "0"])
        #expect(status == 64, "\(text)")
        #expect(text.contains("critical") && text.contains("cannot start: sqlite: no space left on the file system holding \(db): "), "\(text)")
        #expect(text.contains(" bytes free; creating the database was rolled back"), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        // Nothing half made: no schema at all (and no owner account or token file).
        let copy = out.appendingPathComponent("t.db").path
        #expect(try schemaVersion(copy) == nil)
        #expect(try Database(path: copy, readOnly: true).scalar("SELECT count(*) FROM sqlite_master") == 0)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("t.owner-token").path))
        // tandem-admin says what it is, and a start with room makes it whole, owner account included.
        let admin = try UpgradeAdmin.run(["users", "list", "--db", copy])
        #expect(admin.status == 4 && admin.stderr.contains("no Tandem schema yet (tandemd creates it at its first start)"), "\(admin.stderr)")
        let server = try TandemdProcess(databasePath: copy)
        server.stop()
        #expect(server.output.contains("First start: created the owner account 'owner'"), "\(server.output)")
        #expect(try schemaVersion(copy) == Int64(Migrations.latestVersion))
    }

    /// With the bytes there but too few inodes, the search file (made after the database) could not
    /// be: SQLite said only "unable to open database file (14)", because the failed open's removed
    /// -wal and -shm files had given inodes back by the time the error was explained.
    @Test func aFirstStartWithTooFewInodesSaysSo() throws {
        let (root, mount, seed, out) = try directories("fewinodes")
        defer { try? FileManager.default.removeItem(at: root) }
        let db = mount.appendingPathComponent("t.db").path
        // Five inodes: the mount's root, the lock file and the database, then two for its -wal and -shm.
        let (status, text) = try startOnSmallFileSystem(size: "8m,nr_inodes=5", mount: mount.path, seed: seed, out: out,
                                                        ["--db", db, "--port", "0"])
        #expect(status == 64, "\(text)")
        #expect(text.contains("cannot start: sqlite: no space left on the file system holding \(db): "), "\(text)")
        // Two inodes left, or none while the failed open's -wal and -shm files are still there.
        #expect(text.contains(" bytes free, but only 2 inode(s) (tandemd needs up to 8 files)")
                    || text.contains(" bytes free, but no inode (no file can be made)"), "\(text)")
        #expect(text.contains("unable to open database: \(db)-search (14)"), "\(text)")
    }

    @Test func anUpgradeWithoutRoomIsRolledBackAndSaysSo() throws {
        let (root, mount, seed, out) = try directories("fullupgrade")
        defer { try? FileManager.default.removeItem(at: root) }
        // The database alone (its search file is rebuilt after the migrations, which are what is tested).
        try FileManager.default.copyItem(at: UpgradeFixture.directory.appendingPathComponent("schema-10.db"),
                                         to: seed.appendingPathComponent("tandem.db"))
        let before = try Data(contentsOf: seed.appendingPathComponent("tandem.db"))
        let db = mount.appendingPathComponent("tandem.db").path
        let (status, text) = try startOnSmallFileSystem(size: "320k", mount: mount.path, seed: seed, out: out,
                                                        ["--db", db, "--port", "0"])
        #expect(status == 64, "\(text)")
        #expect(text.contains("cannot start: sqlite: no space left on the file system holding \(db): "), "\(text)")
        let latest = "\(Migrations.latestVersion) \"\(Migrations.all.last!.name)\""
        #expect(text.contains(#"bytes free; upgrading its schema from version 10 "sessions-by-owner" to "# + latest + " was rolled back"), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        // The file is as the old build left it (a rolled-back WAL is ignored), at schema 10.
        let copy = out.appendingPathComponent("tandem.db").path
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(try schemaVersion(copy) == 10)
        let server = try TandemdProcess(databasePath: copy)
        server.stop()
        #expect(try schemaVersion(copy) == Int64(Migrations.latestVersion))
    }

    /// The owner account and its token are kept only together with a token file holding the whole
    /// secret: a start whose file could not be written (here a directory in its way; a full disk the
    /// same) made the account anyway, and the next start, seeing a user, never made a token anyone had.
    @Test func anOwnerTokenFileThatCannotBeWrittenLeavesNoOwnerAccount() throws {
        let (root, _, _, _) = try directories("ownertoken")
        defer { try? FileManager.default.removeItem(at: root) }
        let db = root.appendingPathComponent("t.db").path
        let tokenFile = root.appendingPathComponent("t.owner-token").path
        try FileManager.default.createDirectory(atPath: tokenFile + "/in-the-way", withIntermediateDirectories: true)
        let failed = try TandemdProcess.run(["--db", db, "--port", "0"])
        #expect(failed.status == 64, "\(failed.stderr)")
        #expect(failed.stderr.contains("could not write the owner token to \(tokenFile)")
                && failed.stderr.contains("the owner account was not created"), "\(failed.stderr)")
        #expect(!failed.stdout.contains("First start"), "no banner naming a file not written: \(failed.stdout)")
        #expect(failed.stderr.split(separator: "\n").count == 1, "\(failed.stderr)")
        #expect(try Database(path: db, readOnly: true).scalar("SELECT count(*) FROM users") == 0)
        try FileManager.default.removeItem(atPath: tokenFile)
        let server = try TandemdProcess(databasePath: db)
        server.stop()
        #expect(server.output.contains("First start: created the owner account 'owner'"), "\(server.output)")
        let secret = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("tdm_"))
        let store = try Store(StoreConfiguration(path: db))
        defer { store.close() }
        #expect(try store.authenticate(tokenSecret: secret).id == "owner")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).allSatisfy { !$0.contains(".partial-") })
    }
}
