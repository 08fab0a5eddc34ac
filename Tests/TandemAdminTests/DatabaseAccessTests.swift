import Foundation
import Testing
import TandemStore

/// tandem-admin run as the wrong user on the service's database (owned by `tandem`, mode 0600):
/// it must say which user may use the file and how to run as them, not SQLite's "attempt to write
/// a readonly database (1544)". Run as root (as here), the binary drops to `nobody` with setpriv
/// (root reads and writes through file modes); run as anyone else, the file modes alone do it.
@Suite struct DatabaseAccessTests {
    private var launcher: [String] {
        geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    }

    private func runAsOther(_ f: AdminFixture, _ args: [String]) throws -> CLIResult {
        try runAdmin(args + ["--db", f.db], in: f.dir, launcher: launcher)
    }

    @Test func aDatabaseThisUserMayNotWriteNamesItsOwnerAndTheFix() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        // The directory may be entered by anyone (as /var/lib/tandem's parent); the file is not theirs.
        chmod(f.dir, 0o755)

        // Readable, not writable: reading needs the WAL index (-shm) too, so even a list fails.
        chmod(f.db, 0o644)
        let list = try runAsOther(f, ["users", "list"])
        expectStatus(list, 4)
        #expect(list.stderr.contains("may not write '\(f.db)'") && list.stderr.contains("(owner \(owner(f.db)), mode 0644)")
                && list.stderr.contains("run tandem-admin as the database's owner, e.g. sudo -u \(owner(f.db)) tandem-admin"),
                "\(list.stderr)")
        #expect(!list.stderr.contains("readonly database") && list.stderr.split(separator: "\n").count == 1, "\(list.stderr)")

        // Not even readable.
        chmod(f.db, 0o600)
        let add = try runAsOther(f, ["users", "add", "dave"])
        expectStatus(add, 4)
        #expect(add.stderr.contains("may not read '\(f.db)'") && add.stderr.contains("mode 0600"), "\(add.stderr)")
        let backup = try runAsOther(f, ["backup", NSTemporaryDirectory() + "tandem-access-\(UUID().uuidString).db"])
        expectStatus(backup, 4)
        #expect(backup.stderr.contains("cannot back up") && backup.stderr.contains("may not read"), "\(backup.stderr)")

        // Nothing was changed: the owner still sees the same users.
        #expect(try f.seed { store in try store.adminUsers().map(\.id) } == ["alice", "bob", "carol", "erin"])
    }

    private func owner(_ path: String) -> String {
        var info = stat()
        stat(path, &info)
        guard let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name else { return String(info.st_uid) }
        return String(cString: name)
    }

    /// A backup into a directory that is not there said "cannot open backup destination X.partial-PID
    /// (check --db, ...)", as if the database were the problem.
    @Test func aBackupIntoAMissingDirectorySaysSo() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let missing = f.dir + "/no-such-dir"
        let backup = try runAdmin(["backup", missing + "/b.db", "--db", f.db], in: f.dir)
        expectStatus(backup, 4)
        #expect(backup.stderr.contains("the directory \(missing) does not exist"), "\(backup.stderr)")
    }
}
