import Foundation
import Testing
@testable import TandemStore

/// A hidden session (an import, fork or template session in steps) whose process was killed is
/// handed to the delete steps at the next open, or by a running store's `abandonStaleImports()`, at
/// once; a live process's never (`ImportReclaim`, `ImportOwner`). Real child processes (the crash
/// writer's `--import` mode) on a real SQLite file.
@Suite struct ImportReclaimTests {
    /// The database: ivy owns `src` (300 turns), the source the child imports as `copy`.
    private func prepare(_ dir: TempDir) throws {
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        _ = try store.createUser(id: "ivy", displayName: "Ivy")
        _ = try store.createSession(id: "src", title: "source", owner: "ivy")
        for i in 0..<3 {
            _ = try store.appendTurns(session: "src", actor: "ivy", (0..<100).map { NewTurn(role: .user, content: "turn \(i).\($0)") })
        }
    }

    /// Starts the child importing `src` as `copy` for ivy.
    private func startImporter(_ dir: TempDir) throws -> Process {
        let writer = try #require(CrashSafetyTests.crashWriterPath(), "tandem-store-crashwriter not built next to the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: writer)
        process.arguments = ["--import", dir.dbPath, "src", "copy", "ivy"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The hidden session's (sid, importer, turns so far), read on a connection of its own.
    private func hidden(_ path: String) throws -> [(sid: Int64, importer: String?, turns: Int64)] {
        let db = try Database(path: path, readOnly: true)
        return try db.query("""
            SELECT sid, importer, (SELECT count(*) FROM turns t WHERE t.sid = s.sid) FROM sessions s WHERE status = 'importing'
            """) { ($0.int(0), $0.optionalText(1), $0.int(2)) }
    }

    /// Waits (at most 30 s, times the test time scale) until the hidden session holds more than
    /// `turns` turns; returns it.
    private func awaitHidden(_ path: String, moreThan turns: Int64) throws -> (sid: Int64, importer: String?, turns: Int64) {
        let deadline = Date().addingTimeInterval(30 * testTimeScale)
        while Date() < deadline {
            if let h = try hidden(path).first, h.turns > turns { return h }
            usleep(10_000)
        }
        throw StoreError(.invalidState, "the importer's hidden session never got past \(turns) turns")
    }

    private func kill9(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test func anImportWhoseProcessWasKilledIsReclaimedByTheNextOpenAtOnce() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let child = try startImporter(dir)
        defer { if child.isRunning { kill9(child) } }
        let seen = try awaitHidden(dir.dbPath, moreThan: 1)
        // The hidden session names its writer: the child, not this process.
        let owner = try #require(ImportOwner(token: seen.importer))
        #expect(owner.pid == child.processIdentifier && owner.pid != getpid())
        kill9(child)
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(try hidden(dir.dbPath).count == 1, "the kill left the import hidden")

        // Two sessions a user at most: the hidden import took ivy's second place until now.
        var config = StoreConfiguration(path: dir.dbPath)
        config.maxSessionsPerUser = 2
        let store = try Store(config) // the wall clock: seconds, not 10 minutes, after the kill
        defer { store.close() }
        #expect(try hidden(dir.dbPath).isEmpty, "the open handed the dead writer's import to the delete steps")
        _ = try store.createSession(id: "ivy-2", title: "at the cap", owner: "ivy")
        try store.finishDeletes()
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM turns WHERE sid = ?", [.integer(seen.sid)]) } == 0)
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM sessions") } == 2)
        #expect(errorCode { _ = try store.session(id: "copy") } == "not_found")
    }

    @Test func aLiveImportersWorkIsNeverReclaimedAndARunningStoreReclaimsItOnceKilled() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let child = try startImporter(dir)
        defer { if child.isRunning { kill9(child) } }
        let first = try awaitHidden(dir.dbPath, moreThan: 1)
        // A store beside the live importer (tandemd beside tandem-admin): its open and its periodic
        // look leave the import alone, and the import goes on.
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.abandonStaleImports() == 0)
        let later = try awaitHidden(dir.dbPath, moreThan: first.turns + 2)
        #expect(later.sid == first.sid)
        #expect(try store.abandonStaleImports() == 0)
        #expect(try hidden(dir.dbPath).count == 1)
        // Killed: the running store's next look hands it over at once.
        kill9(child)
        #expect(try store.abandonStaleImports() == 1)
        #expect(try hidden(dir.dbPath).isEmpty)
        try store.finishDeletes()
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM sessions") } == 1)
    }

    /// Makes the hidden session `seen` name its writer as from another pid namespace (the writer a
    /// tandemd in a container sees after `docker restart`, or tandem-admin on the host beside it):
    /// `/proc` cannot tell such a pid. Everything else (the live child, its lock) stays real.
    private func moveToAnotherPidNamespace(_ path: String, _ seen: (sid: Int64, importer: String?, turns: Int64)) throws -> String {
        var fields = try #require(seen.importer).split(separator: " ").map(String.init)
        #expect(fields.count >= 5 && fields[2] != "pid:[1]")
        fields[2] = "pid:[1]"
        let token = fields.joined(separator: " ")
        let db = try Database(path: path)
        try db.run("UPDATE sessions SET importer = ? WHERE sid = ?", [.text(token), .integer(seen.sid)])
        return token
    }

    @Test func aKilledWriterInAnotherPidNamespaceIsReclaimedByTheNextOpenAtOnce() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let child = try startImporter(dir)
        defer { if child.isRunning { kill9(child) } }
        let seen = try awaitHidden(dir.dbPath, moreThan: 1)
        let foreign = try moveToAnotherPidNamespace(dir.dbPath, seen)
        kill9(child)
        #expect(try hidden(dir.dbPath).map(\.importer) == [foreign], "the kill left the import hidden")

        var config = StoreConfiguration(path: dir.dbPath)
        config.maxSessionsPerUser = 2
        let store = try Store(config) // the wall clock: seconds, not 10 minutes, after the kill
        defer { store.close() }
        #expect(try hidden(dir.dbPath).isEmpty, "the open handed the dead foreign writer's import to the delete steps")
        _ = try store.createSession(id: "ivy-2", title: "at the cap", owner: "ivy")
        try store.finishDeletes()
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM turns WHERE sid = ?", [.integer(seen.sid)]) } == 0)
    }

    @Test func aLiveWriterInAnotherPidNamespaceIsNeverReclaimedAndIsOnceKilled() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let child = try startImporter(dir)
        defer { if child.isRunning { kill9(child) } }
        let first = try awaitHidden(dir.dbPath, moreThan: 1)
        let foreign = try moveToAnotherPidNamespace(dir.dbPath, first)
        let store = try Store(path: dir.dbPath) // its open judges the live foreign writer
        defer { store.close() }
        #expect(try store.abandonStaleImports() == 0)
        let later = try awaitHidden(dir.dbPath, moreThan: first.turns + 2)
        #expect(later.sid == first.sid && later.importer == foreign)
        #expect(try store.abandonStaleImports() == 0)
        kill9(child)
        #expect(try store.abandonStaleImports() == 1, "killed: handed over at once, not after 10 minutes")
        #expect(try hidden(dir.dbPath).isEmpty)
    }

    @Test func anotherStoreOfThisProcessLeavesItsImportAlone() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        let a = try Store(path: dir.dbPath)
        defer { a.close() }
        let document = try a.exportSession(id: "src", actor: "ivy")
        let header = try SessionImport.header(ImportTree(document: document), asID: "copy", a.configuration)
        let sid = try a.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
        // This process, and the slot a holds (WriterLockTests checks the lock itself).
        var owner = try #require(ImportOwner(token: try hidden(dir.dbPath).first?.importer))
        #expect(owner.lock != nil)
        owner.lock = nil
        #expect(owner == LocalProcesses.current)
        let b = try Store(path: dir.dbPath)
        defer { b.close() }
        #expect(try hidden(dir.dbPath).count == 1)
        #expect(try b.abandonStaleImports() == 0)
        for list in SessionImport.lists {
            let records = document[list]?.arrayValue ?? []
            try a.write { ctx throws(StoreError) in try SessionImport.insert(ctx, sid: sid, list: list, records, header.bounds) }
        }
        try a.write { ctx throws(StoreError) in try SessionImport.publish(ctx, sid: sid, header) }
        #expect(try b.session(id: "copy").lastTurnSeq == 300)
    }

    @Test func anUnknownWriterWaitsTenMinutesAProvablyGoneOneNot() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try prepare(dir)
        // From now: `prepare` wrote with the real clock, and stamps never go below its times.
        let clock = TestClock(Int64(Date().timeIntervalSince1970 * 1000))
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now }
        let here = try #require(LocalProcesses.current)
        var rebooted = here
        rebooted.bootID = "00000000-0000-0000-0000-000000000000"
        var contained = here
        contained.pidNamespace = "pid:[1]"
        do {
            let store = try Store(config)
            defer { store.close() }
            let header = try SessionImport.header(ImportTree(document: try store.exportSession(id: "src", actor: "ivy")), asID: "copy",
                                                  store.configuration)
            // Four hidden sessions: written by an older build (no writer), before a reboot, from
            // another pid namespace, and by a process whose pid is now another's (this one's, started later).
            var earlier = here
            earlier.startTicks = here.startTicks - 1
            for importer in [nil, rebooted.token, contained.token, earlier.token] as [String?] {
                try store.write { ctx throws(StoreError) in
                    let sid = try SessionImport.begin(ctx, header)
                    try ctx.db.run("UPDATE sessions SET importer = ? WHERE sid = ?", [importer.map { .text($0) } ?? .null, .integer(sid)])
                }
            }
        }
        func importers() throws -> [String?] { try hidden(dir.dbPath).map(\.importer) }
        do {
            let store = try Store(config)
            defer { store.close() }
            #expect(try importers() == [nil, contained.token], "gone writers' sessions handed over at once, the others kept")
            clock.advance(SessionImport.abandonedAfterMilliseconds - 1_000)
            #expect(try store.abandonStaleImports() == 0)
            clock.advance(2_000)
            #expect(try store.abandonStaleImports() == 2)
            try store.finishDeletes()
        }
        #expect(try importers().isEmpty)
    }

    @Test func theVerdicts() {
        let here = ImportOwner(bootID: "b", pidNamespace: "pid:[1]", pid: 100, startTicks: 5000)
        let other = ImportOwner(bootID: "b", pidNamespace: "pid:[1]", pid: 200, startTicks: 4000)
        func judge(_ owner: ImportOwner?, _ probe: ImportOwner.Probe) -> ImportOwner.Verdict {
            ImportOwner.judge(owner, from: here) { pid in
                #expect(pid == 200)
                return probe
            }
        }
        #expect(judge(other, .running(startTicks: 4000, exited: false)) == .alive)
        #expect(judge(other, .running(startTicks: 4001, exited: false)) == .gone) // the pid reused
        #expect(judge(other, .running(startTicks: 4000, exited: true)) == .gone) // a zombie
        #expect(judge(other, .none) == .gone)
        #expect(judge(other, .unknown) == .unknown) // hidepid, or no /proc
        #expect(judge(nil, .none) == .unknown) // an older build's row
        var rebooted = other
        rebooted.bootID = "c"
        #expect(judge(rebooted, .running(startTicks: 4000, exited: false)) == .gone)
        var contained = other
        contained.pidNamespace = "pid:[2]"
        #expect(judge(contained, .none) == .unknown)
        #expect(judge(here, .none) == .alive) // this very process: no probe
        var predecessor = here
        predecessor.startTicks = 10
        #expect(judge(predecessor, .none) == .gone) // this pid, but an earlier process's
        #expect(ImportOwner.judge(other, from: nil) { _ in .none } == .unknown)

        // With a lock slot: the lock file's answer decides, in any namespace; none, /proc as above.
        func judge(_ owner: ImportOwner, _ state: ImportOwner.LockState?, _ probe: ImportOwner.Probe,
                   from here: ImportOwner? = here) -> ImportOwner.Verdict {
            var owner = owner
            owner.lock = ImportOwner.LockSlot(device: 2049, inode: 77, offset: 1 << 40)
            return ImportOwner.judge(owner, from: here, lock: { slot in
                #expect(slot == owner.lock)
                return state
            }) { _ in probe }
        }
        #expect(judge(contained, .held, .none) == .alive)
        #expect(judge(contained, .free, .none) == .gone) // a container restarted, its writer killed
        #expect(judge(contained, nil, .none) == .unknown) // the file cannot tell: as without a slot
        #expect(judge(other, .free, .running(startTicks: 4000, exited: false)) == .gone) // its store closed
        #expect(judge(other, nil, .running(startTicks: 4000, exited: false)) == .alive)
        #expect(judge(other, nil, .none) == .gone)
        #expect(judge(rebooted, .held, .none) == .gone) // another boot first
        #expect(judge(contained, .free, .none, from: nil) == .gone) // this process unnamed: the lock still tells
        #expect(judge(contained, nil, .none, from: nil) == .unknown)
    }

    @Test func tokensAndProcStatParse() throws {
        let owner = ImportOwner(bootID: "6e1c-42", pidNamespace: "pid:[4026531836]", pid: 4242, startTicks: 987_654)
        #expect(ImportOwner(token: owner.token) == owner)
        var locked = owner
        locked.lock = ImportOwner.LockSlot(device: 64_769, inode: 1_234_567, offset: (1 << 62) - 1)
        #expect(locked.token == "v2 6e1c-42 pid:[4026531836] 4242 987654 64769 1234567 4611686018427387903")
        #expect(ImportOwner(token: locked.token) == locked)
        for bad in [nil, "", "v2 b p 1 2", "v1 b p x 2", "v1 b p 1", "v1 b p -1 2", "v1  p 1 2",
                    "v1 b p 1 2 3 4 5", "v2 b p 1 2 3 4", "v2 b p 1 2 3 4 -1", "v2 b p 1 2 3 4 4611686018427387904",
                    "v2 b p 1 2 x 4 5", "v3 b p 1 2 3 4 5"] as [String?] {
            #expect(ImportOwner(token: bad) == nil, "\(bad ?? "nil")")
        }
        // A command name with spaces and parentheses: fields are counted from the last `)`.
        let fields = (3...30).map { $0 == 3 ? "Z" : $0 == 22 ? "123456" : "\($0)" }.joined(separator: " ")
        let stat = ImportOwner.parseStat("77 (a) b) (c) \(fields)\n")
        #expect(stat?.state == "Z" && stat?.startTicks == 123_456)
        #expect(ImportOwner.parseStat("77 (short) S 1 2") == nil)
        // This machine: this process names itself; its own pid reads back with its start time,
        // and a reaped child's pid reads as no process.
        let me = try #require(LocalProcesses.current)
        #expect(me.pid == getpid())
        #expect(LocalProcesses.probe(getpid()) == .running(startTicks: me.startTicks, exited: false))
        #expect(LocalProcesses.judge(me.token) == .alive)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        #expect(LocalProcesses.probe(child.processIdentifier) == .none)
    }
}
