import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// Free pages given back to the file system while the store runs (`DiskReclaim`), on files an
/// operator converted offline (`Store.compact`) only: new files stay auto_vacuum NONE.
@Suite struct DiskReclaimTests {
    private static func fileBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    private static func autoVacuum(_ path: String) throws -> Int64? {
        let db = try Database(path: path, readOnly: true)
        return try db.scalar("PRAGMA auto_vacuum")
    }

    /// Fills session `id` with `turns` turns of about 2 KB each.
    private static func fill(_ store: Store, id: String, turns: Int) throws {
        _ = try store.createSession(id: id, title: "big", owner: "alice")
        let text = String(repeating: "lorem ipsum dolor sit amet ", count: 80)
        for chunk in stride(from: 0, to: turns, by: 500) {
            // Words of their own too, so that the search index grows with the turns.
            let batch = (chunk..<min(turns, chunk + 500)).map { n in
                NewTurn(role: .user, content: (0..<30).map { "w\(n)x\($0)" }.joined(separator: " ") + " " + text)
            }
            _ = try store.appendTurns(session: id, actor: "alice", batch)
        }
    }

    /// A new store at `dir`, converted as `tandem-admin compact` does, then opened with `configure`.
    private static func compactedStore(_ dir: TempDir, configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> Store {
        let fresh = try Store(path: dir.dbPath)
        try createTestUsers(fresh)
        fresh.close()
        _ = try Store.compact(databaseAt: dir.dbPath)
        var config = StoreConfiguration(path: dir.dbPath)
        configure(&config)
        return try Store(config)
    }

    /// Deletes `id` to its end (rows removed, its text forgotten by the index) and waits until its
    /// pages show as free, as the checkpointer reads them; false if they never did.
    private static func deleteAndAwaitFreePages(_ store: Store, id: String) throws -> Bool {
        try store.deleteSession(id: id, actor: "alice")
        try store.finishDeletes()
        try store.awaitSearchIndex(through: .max)
        return eventually { store.diskSpace.freeBytes(.main) > 2 << 20 }
    }

    /// How long `eventually` waits at most: a backstop, not a measure. Each wait is for a state that
    /// broken code never reaches however long it runs (free pages, a pass ended, a smaller file),
    /// and alone (even beside two busy loops) each is reached within 0.2 s; yet the suite missed a
    /// limit in a whole `swift test` at load 6-9 (which one was not recorded), and under ASan the
    /// file's shrinking missed its 10 s: there a checkpoint's copy and syncs of a 20 MB file wait for
    /// the disk the other tests use, and the reclaim's paced steps pause longer as steps take longer
    /// (`StepPause`).
    private static let backstop: Double = 60

    /// Polls `condition` (a file size on disk, which nothing signals) for at most `seconds`.
    /// Scaled by `testTimeScale`: under a sanitizer on a loaded machine the checkpointer and the
    /// indexing thread take that much longer.
    private static func eventually(_ seconds: Double = backstop, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds * testTimeScale)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The default costs nothing: new files are auto_vacuum NONE (no pointer-map upkeep on writes),
    /// a deleted session's pages stay free in them, no reclaim step ever runs, and posting reads
    /// no free list (the checkpointer's look once a second, for /metrics, is all).
    @Test func newFilesStayNoneAndAreNeverReclaimed() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.reclaimFreeBytes = 1 << 20
        config.reclaimStepPages = 64
        config.searchIndexTidyIdleMilliseconds = 50
        let store = try Store(config)
        defer { store.close() }
        #expect(store.diskSpace.reclaimsOnline(.main) == false)
        #expect(store.diskSpace.reclaimsOnline(.search) == false)
        try createTestUsers(store)
        _ = try makeSession(store, id: "live")
        try Self.fill(store, id: "big", turns: 2_000)
        // The forgotten text dropped by the chore; its pages free, as the checkpointer reads them.
        let freed = try Self.deleteAndAwaitFreePages(store, id: "big")
        #expect(freed, "\(store.diskSpace.freeBytes(.main)) bytes free")
        let sizeWithFreePages = Self.fileBytes(dir.dbPath)
        // Posts, and another delete (the chore runs to its end again), read no free list.
        let looksBefore = store.diskSpace.looks
        let started = ContinuousClock.now
        for i in 0..<300 { _ = try store.appendTurn(session: "live", actor: "alice", NewTurn(role: .user, content: "post \(i)")) }
        try Self.fill(store, id: "small", turns: 100)
        try store.deleteSession(id: "small", actor: "alice")
        try store.finishDeletes()
        let seconds = (ContinuousClock.now - started).timeInterval
        let looks = store.diskSpace.looks - looksBefore
        // One look a second by the checkpointer, one at most by the idle indexing thread.
        #expect(Double(looks) <= 2 * seconds.rounded(.up) + 2, "\(looks) free-list reads in \(seconds) s")
        #expect(store.diskSpace.steps.count == 0)
        #expect(store.diskSpace.reclaimedBytes == 0)
        #expect(store.diskSpace.takeEndedPasses().isEmpty)
        #expect(Self.fileBytes(dir.dbPath) >= sizeWithFreePages)
        // What the server's start notice names: a NONE file with much free space.
        #expect(store.diskSpace.worthCompacting(minBytes: 1 << 20).map(\.file).contains(.main))
        #expect(store.diskSpace.worthCompacting(minBytes: 1 << 30).isEmpty)
        #expect(try Self.autoVacuum(dir.dbPath) == 0)
        #expect(try Self.autoVacuum(dir.dbPath + "-search") == 0)
    }

    /// A fresh file holds nothing worth compacting: tandemd says nothing of it at start.
    @Test func aFreshFileIsNotWorthCompacting() throws {
        try withStore { store in
            #expect(store.diskSpace.reclaimsOnline(.main) == false)
            #expect(store.diskSpace.worthCompacting(minBytes: 1).isEmpty)
        }
    }

    @Test func aDeletedSessionsSpaceComesBackWhilePostsGoOn() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Self.compactedStore(dir) { config in
            config.reclaimFreeBytes = 1 << 20
            config.reclaimStepPages = 64
            config.searchIndexTidyIdleMilliseconds = 50
        }
        defer { store.close() }
        #expect(store.diskSpace.reclaimsOnline(.main) == true)
        _ = try makeSession(store, id: "live")
        try Self.fill(store, id: "big", turns: 6_000)
        try store.awaitSearchIndex(through: .max)
        let filled = Self.eventually { Self.fileBytes(dir.dbPath) > 10 << 20 && !store.walIsLong }
        #expect(filled)
        let before = Self.fileBytes(dir.dbPath)

        // A poster keeps writing to another session through the delete and the reclaim; each
        // answer notes how many reclaim steps had run by then.
        let poster = Poster()
        let thread = Thread {
            while !poster.stop.load(ordering: .relaxed) {
                if (try? store.appendTurn(session: "live", actor: "alice", NewTurn(role: .user, content: "still here"))) != nil {
                    let steps = store.diskSpace.steps.count
                    poster.stepsAtAnswers.withLock { $0.append(steps) }
                }
                usleep(2_000)
            }
            poster.done.store(true, ordering: .releasing)
        }
        thread.start()
        try store.deleteSession(id: "big", actor: "alice")
        try store.finishDeletes() // the chore's steps: rows removed (the turns' text kept for the index to forget)
        // Once the index has forgotten them, the chore drops the text and gives the pages back.
        try store.awaitSearchIndex(through: .max)
        let passEnded = Self.eventually { store.diskSpace.reclaimedBytes > 8 << 20 && !store.diskSpace.isRunning(.main) }
        #expect(passEnded)
        poster.stop.store(true, ordering: .relaxed)
        while !poster.done.load(ordering: .acquiring) { usleep(1_000) }

        let (steps, mostPages) = store.diskSpace.steps
        let reclaimed = store.diskSpace.reclaimedBytes
        #expect(reclaimed > 8 << 20)
        // Bounded steps: none moved more than its 64 pages, so there were many.
        #expect(mostPages <= 64)
        #expect(steps >= reclaimed / (64 * 4096))
        // Posts were answered between reclaim steps, not only before or after the pass.
        let answers = poster.stepsAtAnswers.withLock { $0 }
        #expect(answers.contains { $0 > 0 && $0 < steps }, "no post answered during the reclaim (\(answers.count) answers)")
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM turns WHERE sid = (SELECT sid FROM sessions WHERE id = 'live')") } == Int64(answers.count))
        // The file on disk shrinks at the next checkpoint that copies every frame: to the database's
        // own pages, hardly any of them free. Not measured against `before`: the live session's posts
        // fill pages too, and a loaded host, reclaiming slower, makes more of them (whole runs at load
        // 10-14 missed `before - reclaimed * 0.8` twice). That the pass moved the pages is `reclaimed`.
        func pages(_ pragma: String) throws -> Int {
            Int(try store.read { db throws(StoreError) in try db.scalar("PRAGMA \(pragma)") } ?? 0)
        }
        let pageSize = try pages("page_size")
        let shrunk = Self.eventually { Self.fileBytes(dir.dbPath) <= (try? pages("page_count")).map { $0 * pageSize } ?? 0 }
        let (databaseBytes, freeBytes) = (try pages("page_count") * pageSize, try pages("freelist_count") * pageSize)
        #expect(shrunk, "\(before) -> \(Self.fileBytes(dir.dbPath)) bytes on disk, the database \(databaseBytes)")
        #expect(freeBytes < 1 << 20, "\(freeBytes) bytes free after the pass")
        #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
        // The indexing thread looked at the search file's free list once idle (FTS5 keeps a
        // delete's entries as tombstones until its segments merge: the file gives back what merges free).
        let searchLooked = Self.eventually { store.diskSpace.reclaimsOnline(.search) == true }
        #expect(searchLooked)
        let ended = store.diskSpace.takeEndedPasses()
        #expect(ended.contains { $0.file == .main && $0.bytes > 8 << 20 })
    }

    /// The search file is attached to its worker's connection: the same rounds work on a schema
    /// other than main, and the file on disk shrinks at a checkpoint.
    @Test func roundsGiveBackAnAttachedFilesPages() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let db = try Database(path: dir.dbPath)
        try SearchFile.attach(db, databasePath: dir.dbPath)
        try DiskReclaim.makeIncrementalIfNew(db, schema: "search")
        try db.execute("PRAGMA search.journal_mode=WAL")
        try db.execute("CREATE TABLE search.filler(x BLOB)")
        try db.run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO search.filler SELECT randomblob(2000) FROM n")
        try db.execute("PRAGMA search.wal_checkpoint(TRUNCATE)")
        let before = Self.fileBytes(dir.dbPath + "-search")
        try db.execute("DELETE FROM search.filler")
        let space = DiskSpace()
        var rounds = 0
        while try db.transaction(immediate: false, { () throws(StoreError) -> Bool in
            try DiskReclaim.round(db, schema: "search", file: .search, space: space, minBytes: 1 << 20, maxPages: 100)
        }) { rounds += 1 }
        #expect(rounds >= 10)
        #expect(space.steps.mostPages <= 100)
        #expect(space.freeBytes(.search) == 0)
        try db.execute("PRAGMA search.wal_checkpoint(TRUNCATE)")
        #expect(Self.fileBytes(dir.dbPath + "-search") < before / 4, "\(before) -> \(Self.fileBytes(dir.dbPath + "-search"))")
        #expect(space.takeEndedPasses().map(\.file) == [.search])
    }

    @Test func aFileBelowTheThresholdKeepsItsFreePages() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Self.compactedStore(dir) { $0.reclaimFreeBytes = 64 << 20 }
        defer { store.close() }
        #expect(store.diskSpace.reclaimsOnline(.main) == true)
        try Self.fill(store, id: "big", turns: 2_000)
        // The forgotten text dropped, its pages stay free (read by the checkpointer each second).
        let freed = try Self.deleteAndAwaitFreePages(store, id: "big")
        #expect(freed, "\(store.diskSpace.freeBytes(.main)) bytes free")
        #expect(store.diskSpace.steps.count == 0)
    }

    @Test func compactConvertsANoneFile() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let store = try Store(path: dir.dbPath)
            try createTestUsers(store)
            try Self.fill(store, id: "big", turns: 2_000)
            try store.awaitSearchIndex(through: .max)
            try store.deleteSession(id: "big", actor: "alice")
            _ = try makeSession(store, id: "kept")
            try store.finishDeletes()
            store.close()
        }
        #expect(try Self.autoVacuum(dir.dbPath) == 0)
        #expect(try Self.autoVacuum(dir.dbPath + "-search") == 0)
        let done = try Store.compact(databaseAt: dir.dbPath)
        #expect(done.map(\.path) == [dir.dbPath, dir.dbPath + "-search"])
        let allConverted = done.allSatisfy { $0.converted }
        #expect(allConverted)
        #expect(try Self.autoVacuum(dir.dbPath) == 2)
        #expect(try Self.autoVacuum(dir.dbPath + "-search") == 2)
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(store.diskSpace.reclaimsOnline(.main) == true)
        #expect(try store.session(id: "kept").title == "Planning")
        #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
    }

    /// `backup --compact` and plain backups keep the source's mode: a converted database's copy
    /// reclaims online when restored; a NONE one's stays free of the pointer-map cost.
    @Test func backupsKeepTheirSourcesMode() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let store = try Store(path: dir.dbPath)
            try createTestUsers(store)
            store.close()
        }
        #expect(try Self.autoVacuum(dir.dbPath) == 0)
        try Store.compactedCopy(databaseAt: dir.dbPath, to: dir.path + "/none-packed.db")
        #expect(try Self.autoVacuum(dir.path + "/none-packed.db") == 0)
        try Store.backup(databaseAt: dir.dbPath, to: dir.path + "/none-plain.db")
        #expect(try Self.autoVacuum(dir.path + "/none-plain.db") == 0)

        _ = try Store.compact(databaseAt: dir.dbPath)
        try Store.compactedCopy(databaseAt: dir.dbPath, to: dir.path + "/copy.db")
        #expect(try Self.autoVacuum(dir.path + "/copy.db") == 2)
        try Store.backup(databaseAt: dir.path + "/copy.db", to: dir.path + "/plain.db")
        #expect(try Self.autoVacuum(dir.path + "/plain.db") == 2)
        // A restored copy has no search file: the one made beside it takes the database's mode.
        let restored = try Store(path: dir.path + "/plain.db")
        try restored.awaitSearchIndex(through: .max)
        #expect(restored.diskSpace.reclaimsOnline(.main) == true)
        #expect(restored.diskSpace.reclaimsOnline(.search) == true)
        restored.close()
        #expect(try Self.autoVacuum(dir.path + "/plain.db-search") == 2)
    }

    @Test func theThresholdNeedsBytesAndAShareOfTheFile() {
        let mib = 1 << 20
        let big = FreePages(free: 5_000, total: 1_000_000, pageSize: 4096, incremental: true) // 20 MiB of 4 GB
        #expect(!DiskReclaim.isWorthReclaiming(big, minBytes: 16 * mib))
        let share = FreePages(free: 5_000, total: 50_000, pageSize: 4096, incremental: true)
        #expect(DiskReclaim.isWorthReclaiming(share, minBytes: 16 * mib))
        #expect(!DiskReclaim.isWorthReclaiming(share, minBytes: 32 * mib))
        #expect(!DiskReclaim.isWorthReclaiming(share, minBytes: nil))
        var legacy = share
        legacy.incremental = false
        #expect(!DiskReclaim.isWorthReclaiming(legacy, minBytes: 16 * mib))
    }
}

/// What the poster thread of `aDeletedSessionsSpaceComesBackWhilePostsGoOn` shares with the test.
private final class Poster: Sendable {
    let stop = Atomic<Bool>(false)
    let done = Atomic<Bool>(false)
    /// Reclaim steps run when each post was answered.
    let stepsAtAnswers = Mutex<[Int]>([])
}
