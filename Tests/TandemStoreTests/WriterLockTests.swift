import Foundation
import Testing
@testable import TandemStore

/// The lock slot a store writing hidden sessions holds in `DB-writers` (`WriterLock`): made only by
/// such a store, 0600; held while the store is open, from this process too; dropped by its close
/// and never inherited by a child; a replaced or unusable file answers for no slot, and the writer
/// is then judged from `/proc` as before. Real files, real locks, this process's own stores.
@Suite struct WriterLockTests {
    /// ivy owns `src`, the session the stores here import as `copy`.
    private func prepare(_ dir: TempDir) throws {
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        _ = try store.createUser(id: "ivy", displayName: "Ivy")
        _ = try store.createSession(id: "src", title: "source", owner: "ivy")
        _ = try store.appendTurns(session: "src", actor: "ivy", (0..<5).map { NewTurn(role: .user, content: "turn \($0)") })
    }

    /// Begins importing `src` as `copy` on `store`: the hidden session's first transaction.
    private func beginImport(_ store: Store) throws {
        let header = try SessionImport.header(ImportTree(document: try store.exportSession(id: "src", actor: "ivy")), asID: "copy",
                                              store.configuration)
        _ = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
    }

    /// The hidden sessions' writers, read on a connection of its own.
    private func importers(_ dir: TempDir) throws -> [String?] {
        try Database(path: dir.dbPath, readOnly: true).query("SELECT importer FROM sessions WHERE status = 'importing'") { $0.optionalText(0) }
    }

    private func lockPath(_ dir: TempDir) -> String { WriterLock.path(forDatabase: dir.dbPath) }

    @Test func theLockFileIsMadeByAWriterOfHiddenSessionsOnlyAndHeldUntilItsStoreCloses() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        var readOnly = StoreConfiguration(path: dir.dbPath)
        readOnly.migrates = false
        readOnly.opensSearchFile = false
        try Store(readOnly).close()
        #expect(!FileManager.default.fileExists(atPath: lockPath(dir)), "no store that wrote no hidden session made it")

        let a = try Store(path: dir.dbPath)
        defer { a.close() }
        try beginImport(a)
        let owner = try #require(ImportOwner(token: try importers(dir).first ?? nil))
        let slot = try #require(owner.lock, "the writer names its lock slot (v2)")
        var withoutLock = owner
        withoutLock.lock = nil
        #expect(withoutLock == LocalProcesses.current)
        var file = stat()
        #expect(stat(lockPath(dir), &file) == 0)
        #expect(file.st_mode & S_IFMT == S_IFREG && file.st_mode & 0o777 == 0o600)
        #expect(slot.device == UInt64(file.st_dev) && slot.inode == UInt64(file.st_ino))
        #expect(WriterLock.look([slot], databasePath: dir.dbPath) == [slot: .held], "held, seen from another open file of this process")

        let b = try Store(path: dir.dbPath)
        defer { b.close() }
        #expect(try b.abandonStaleImports() == 0)
        a.close()
        #expect(WriterLock.look([slot], databasePath: dir.dbPath) == [slot: .free])
        // Closed, its store can write no more of it: handed over at once, though this process lives.
        #expect(try b.abandonStaleImports() == 1)
        #expect(try importers(dir).isEmpty)
    }

    @Test func aReplacedLockFileAnswersForNoSlotAndTheWriterIsJudgedAsBefore() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        // From now: `prepare` wrote with the real clock, and stamps never go below its times.
        let clock = TestClock(Int64(Date().timeIntervalSince1970 * 1000))
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now }
        do {
            let a = try Store(config)
            defer { a.close() }
            try beginImport(a)
        }
        // Named as from another pid namespace, where /proc cannot tell; its slot is free now.
        let token = try #require(try importers(dir).first ?? nil)
        var fields = token.split(separator: " ").map(String.init)
        fields[2] = "pid:[1]"
        let foreign = fields.joined(separator: " ")
        try Database(path: dir.dbPath).run("UPDATE sessions SET importer = ?", [.text(foreign)])
        // Another file at the path (made while the first still exists: another inode): it cannot
        // say whether the slot's holder lives (it could hold the old file, unlinked).
        let replacement = dir.path + "/replacement"
        #expect(FileManager.default.createFile(atPath: replacement, contents: nil))
        #expect(rename(replacement, lockPath(dir)) == 0)
        let slot = try #require(ImportOwner(token: foreign)?.lock)
        #expect(WriterLock.look([slot], databasePath: dir.dbPath).isEmpty)

        let b = try Store(config)
        defer { b.close() }
        #expect(try importers(dir) == [foreign], "not provably gone: kept")
        clock.advance(SessionImport.abandonedAfterMilliseconds + 1_000)
        #expect(try b.abandonStaleImports() == 1, "then the 10 minutes, as before")
    }

    @Test func aLockFileThatCannotBeUsedLeavesTheWriterRecordedAsBefore() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        // A directory where the file should be: neither made nor locked (as in a directory this
        // process may not write, which a test run as root cannot make).
        try FileManager.default.createDirectory(atPath: lockPath(dir), withIntermediateDirectories: false)
        let a = try Store(path: dir.dbPath)
        defer { a.close() }
        try beginImport(a)
        #expect(try importers(dir) == [LocalProcesses.current?.token], "v1: this process, no slot")
        let b = try Store(path: dir.dbPath)
        defer { b.close() }
        #expect(try b.abandonStaleImports() == 0, "judged from /proc: this process lives")
    }

    @Test func aChildStartedWhileTheLockIsHeldDoesNotHoldIt() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let a = try Store(path: dir.dbPath)
        defer { a.close() }
        try beginImport(a)
        // posix_spawn with no file actions: every descriptor not close-on-exec goes to the child.
        var child: pid_t = 0
        let words: [String] = ["/bin/sleep", "30"]
        // Safe: each strdup'd copy lives until the deferred free, after posix_spawn has returned.
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&child, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer {
            kill(child, SIGKILL)
            waitpid(child, nil, 0)
        }
        a.close()
        // The child still runs; had it inherited the lock's open file, the slot would be held.
        #expect(kill(child, 0) == 0)
        let b = try Store(path: dir.dbPath)
        defer { b.close() }
        #expect(try importers(dir).isEmpty, "the open handed the closed store's import over")
    }
}
