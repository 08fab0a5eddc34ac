import Foundation
import Testing

/// A start that cannot open its database or config file says why: SQLite's "unable to open database
/// file" and a bare "cannot read the config file" named neither the user, the owner and mode, nor a
/// missing directory, the usual slips of a first install or a restore (a file left `root:root 0600`).
@Suite("tandemd open failures name their cause")
struct OpenFailureReasonTests {
    /// root may open anything: the refusals are seen by running tandemd as nobody.
    private let asNobody = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []

    private func directory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        return dir
    }

    @Test func aDatabaseDirectoryItMayNotWriteIsNamed() throws {
        let dir = try directory("nodir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try TandemdProcess.run(["--db", dir.appendingPathComponent("new.db").path, "--port", "0"], behind: asNobody)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("may not create files in \(dir.path)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")

        let missing = try TandemdProcess.run(["--db", dir.appendingPathComponent("no/such/x.db").path, "--port", "0"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("the directory \(dir.path)/no/such does not exist"), "\(missing.stderr)")
    }

    @Test func aDatabaseOfAnotherUserIsNamedWithOwnerAndMode() throws {
        guard !asNobody.isEmpty else { return } // as another user than root, nothing to drop to
        let dir = try directory("otheruser")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.db").path
        try TandemdProcess(databasePath: path).stop()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let result = try TandemdProcess.run(["--db", path, "--port", "0"], behind: asNobody)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("user nobody (uid 65534) may not read \(path) (owner root, mode 0600)"), "\(result.stderr)")
    }

    @Test func anUnreadableConfigFileSaysWhy() throws {
        let dir = try directory("conf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try TandemdProcess.run(["--config", dir.appendingPathComponent("nope.conf").path])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("nope.conf: no such file"), "\(missing.stderr)")
        let folder = try TandemdProcess.run(["--config", dir.path])
        #expect(folder.stderr.contains("\(dir.path): it is a directory"), "\(folder.stderr)")
        guard !asNobody.isEmpty else { return }
        let conf = dir.appendingPathComponent("tandem.conf").path
        try "port = 0\n".write(toFile: conf, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: conf)
        let closed = try TandemdProcess.run(["--config", conf], behind: asNobody)
        #expect(closed.status == 64)
        #expect(closed.stderr.contains("user nobody may not read it (owner root, mode 0600)"), "\(closed.stderr)")
    }

    /// Foundation's `deletingLastPathComponent` traps on a one-character path: `--db .`, or `--db a`
    /// naming a directory, crashed tandemd (signal 4) where it was to say what is wrong.
    @Test func aOneCharacterDatabasePathIsExplainedNotACrash() throws {
        let dir = try directory("onechar")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("a"), withIntermediateDirectories: false)
        let inDir = ["/usr/bin/env", "-C", dir.path]
        for name in [".", "a"] {
            let result = try TandemdProcess.run(["--db", name, "--port", "0"], behind: inDir)
            #expect(result.status == 64, "--db \(name): \(result.stderr)")
            #expect(result.stderr.contains("\(name) is a directory; --db names the database file"), "--db \(name): \(result.stderr)")
        }
    }
}
