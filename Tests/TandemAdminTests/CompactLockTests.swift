import Foundation
import Synchronization
import Testing
import TandemStore

/// `compact` rewrites the database offline, so it holds tandemd's one-server lock (`DB-lock`) while
/// it runs, and a tandemd starting meanwhile refuses to. It used to take no lock when the lock file
/// did not exist (a database no tandemd served yet, or restored without it): the tandemd made the
/// file, found it free and served the file compact was rewriting.
@Suite struct CompactLockTests {
    @Test func aTandemdStartedWhileCompactRunsRefusesEvenWithNoLockFileBefore() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let lockPath = f.db + "-lock"
        #expect(!FileManager.default.fileExists(atPath: lockPath))

        // Another connection's write lock keeps compact's VACUUM waiting, while tandemd starts.
        let other = try Database(path: f.db)
        _ = try other.run("BEGIN IMMEDIATE")
        let compacted = Mutex<CLIResult?>(nil)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            compacted.withLock { $0 = try? f.run(["compact", "--busy-timeout", "120"]) }
        }
        let held = Self.eventually(timeout: 20 * testTimeScale) { Self.heldByAnother(lockPath) }
        #expect(held, "compact did not take \(lockPath)")

        let server = try Self.startTandemd(database: f.db, within: 30 * testTimeScale)
        #expect(server.exited && server.status != 0, "tandemd started beside compact: \(server.output)")
        #expect(server.output.contains("tandem-admin compact (pid ") && server.output.contains("is rewriting this database offline"),
                "\(server.output)")

        _ = try other.run("ROLLBACK")
        done.wait()
        let result = try #require(compacted.withLock { $0 })
        expectStatus(result, 0)
        #expect(result.stdout.contains("now gives freed space back online"), "\(result.stdout)")
        // Released at its end: a tandemd starts now.
        let after = try Self.startTandemd(database: f.db, within: 30 * testTimeScale)
        #expect(!after.exited, "\(after.output)")
    }

    /// A lock file removed while tandemd runs (an `rm`, a restore's `mv` with tandemd left running)
    /// left the server's lock on a file no longer there: compact, and a second tandemd, saw no server.
    /// The server makes it again within a second and holds it.
    @Test func aLockFileRemovedUnderARunningServerIsMadeAgainAndCompactStillRefused() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let (server, _) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }
        let lockPath = f.db + "-lock"
        #expect(Self.heldByAnother(lockPath))
        #expect(unlink(lockPath) == 0)
        #expect(Self.eventually(timeout: 10 * testTimeScale) { Self.heldByAnother(lockPath) }, "the server did not take \(lockPath) again")
        let refused = try f.run(["compact"])
        expectStatus(refused, 3)
        #expect(refused.stderr.contains("tandemd is serving"), "\(refused.stderr)")
        #expect(try Database(path: f.db, readOnly: true).scalar("PRAGMA auto_vacuum") == 0)
    }

    /// The second between a lock file's removal and the server making it again used to let compact
    /// make and lock a new one and rewrite the database under a running tandemd. The server also
    /// holds a lock on the database file itself, which compact checks first. The tandemd is stopped
    /// (SIGSTOP) for the removal and the compact: the window held open, not raced.
    @Test func compactStartedRightAfterTheLockFileIsRemovedIsRefusedByTheDatabaseFileLock() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let lockPath = f.db + "-lock"
        let server = try Self.launchTandemd(database: f.db, within: 30 * testTimeScale)
        defer {
            kill(server.process.processIdentifier, SIGCONT)
            server.process.terminate()
            server.process.waitUntilExit()
        }
        #expect(server.listening, "\(server.output())")
        #expect(kill(server.process.processIdentifier, SIGSTOP) == 0)
        #expect(unlink(lockPath) == 0)
        let refused = try f.run(["compact"])
        #expect(kill(server.process.processIdentifier, SIGCONT) == 0)
        expectStatus(refused, 3)
        #expect(refused.stderr.contains("tandemd is serving") && refused.stderr.contains("lock on the database file"), "\(refused.stderr)")
        #expect(try Database(path: f.db, readOnly: true).scalar("PRAGMA auto_vacuum") == 0)
        // compact left the lock file alone: the server makes it again and holds it.
        #expect(Self.eventually(timeout: 10 * testTimeScale) { Self.heldByAnother(lockPath) }, "the server did not take \(lockPath) again")
    }

    /// A tandemd whose lock file is free but whose database file another process holds locked (a
    /// compact, or a tandemd, whose lock file was removed) refuses to start, saying so.
    @Test func aTandemdRefusesADatabaseFileLockedByAnotherProcess() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        guard case .held(let lock) = ExclusiveUseLock.take(databasePath: f.db) else {
            Issue.record("could not lock \(f.db)")
            return
        }
        defer { lock.release() }
        #expect(!FileManager.default.fileExists(atPath: f.db + "-lock"))
        let server = try Self.startTandemd(database: f.db, within: 30 * testTimeScale)
        #expect(server.exited && server.status == 64, "\(server.output)")
        #expect(server.output.contains("holds a lock on the database file"), "\(server.output)")
    }

    /// Starts the built tandemd on `database` and waits until it listens (or exits); the caller stops it.
    private static func launchTandemd(database: String, within timeout: Double) throws
        -> (process: Process, listening: Bool, output: @Sendable () -> String) {
        let binary = URL(fileURLWithPath: adminBinary).deletingLastPathComponent().appendingPathComponent("tandemd").path
        let logPath = database + ".tandemd-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--db", database, "--host", "127.0.0.1", "--port", "0", "--log-level", "info"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TANDEM_") }
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let output: @Sendable () -> String = { String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self) }
        let listening = Self.eventually(timeout: timeout) { !process.isRunning || output().contains("tandemd listening") } && process.isRunning
        return (process, listening, output)
    }

    /// Polls `condition` every 20 ms until it holds (true) or `timeout` seconds pass (false).
    private static func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }

    /// Whether another process holds an flock on `path` (the file must exist).
    private static func heldByAnother(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// Starts the built tandemd (beside tandem-admin) on `database` and waits until it exits or
    /// listens; one that listens is stopped (SIGTERM) before returning. `exited` is false for it.
    private static func startTandemd(database: String, within timeout: Double) throws -> (exited: Bool, status: Int32, output: String) {
        let launched = try launchTandemd(database: database, within: timeout)
        let exited = !launched.process.isRunning
        if !exited { launched.process.terminate() }
        launched.process.waitUntilExit()
        return (exited, launched.process.terminationStatus, launched.output())
    }
}
