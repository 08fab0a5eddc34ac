import Foundation
import Testing

/// A tandemd that cannot start (port taken, database unusable) says why in one line in the log
/// format it was given, with status 64 and no usage text: the command line was not the problem,
/// and a log collector reading `--log-format json` must not drop the one line that matters.
@Suite("tandemd start failures")
struct StartFailureTests {
    /// Runs tandemd with `arguments`, behind `prefix` (a command that runs it as another user), until it
    /// exits; its status and standard error.
    private func start(_ arguments: [String], behind prefix: [String] = []) throws -> (status: Int32, stderr: String) {
        let result = try TandemdProcess.run(arguments, behind: prefix)
        return (result.status, result.stderr)
    }

    @Test func aFailedStartIsOneJSONLogLineInJSONMode() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-startfail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TandemdProcess(databasePath: dir.appendingPathComponent("a.db").path)
        defer { first.stop() }
        let taken = try start(["--db", dir.appendingPathComponent("b.db").path, "--host", "127.0.0.1",
                               "--port", String(first.port), "--log-format", "json"])
        #expect(taken.status == 64)
        let lines = taken.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] as? String != nil, "not a JSON log line: \(line)")
        }
        let failure = try #require(lines.first { $0.contains("cannot listen") })
        #expect(failure.contains(#""level":"critical""#), "\(failure)")
        // Said before anything is made: no database, no owner account whose token only a log line would find.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.db").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.owner-token").path))

        let unopenable = try start(["--db", dir.appendingPathComponent("missing/dir/c.db").path, "--port", "0"])
        #expect(unopenable.status == 64)
        #expect(unopenable.stderr.contains(" critical tandemd: [tandemd] cannot start: "), "a log line in text format too: \(unopenable.stderr)")
        #expect(!unopenable.stderr.contains("Usage:"), "a start failure is no usage error: \(unopenable.stderr)")
        #expect(unopenable.stderr.split(separator: "\n").count == 1, "\(unopenable.stderr)")
    }

    /// Two servers on one database would keep separate live sessions, presence and limits (a turn
    /// reached the other's members only through the watcher, hundreds of milliseconds late) and race
    /// each other's migrations on a new file. The second one is refused, naming the first.
    @Test func aSecondTandemdOnTheSameDatabaseIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-twice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("one.db").path
        let first = try TandemdProcess(databasePath: path)
        let second = try start(["--db", path, "--port", "0"])
        #expect(second.status == 64)
        #expect(second.stderr.contains("another tandemd (pid \(first.process.processIdentifier)) is serving this database"), "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        first.stop()
        // Released at shutdown (and at any exit): the next start takes it.
        try TandemdProcess(databasePath: path).stop()
    }

    /// A database this process may only read (a restore left it owned by another user) is refused at
    /// start, saying so; it used to start, answer /healthz, and fail every write as `internal`.
    @Test func aDatabaseItCannotWriteIsRefusedAtStart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-readonly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ro.db").path
        try TandemdProcess(databasePath: path).stop()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        // root writes whatever the mode says: run as nobody then (the directory is not theirs either).
        let asNobody = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let (status, text) = try start(["--db", path, "--port", "0"], behind: asNobody)
        #expect(status == 64, "\(text)")
        #expect(text.contains("critical") && text.contains("can be read but not written by this process"), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "\(text)")
    }
}
