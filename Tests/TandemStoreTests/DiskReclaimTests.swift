import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// Free pages given back to the file system while the store runs (`DiskReclaim`), and the
/// offline conversion of files made before (`Store.compact`).
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

    /// Polls `condition` (a file size on disk, which nothing signals) for at most `seconds`.
    private static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func newFilesGiveSpaceBackOnline() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(path: dir.dbPath)
        try store.awaitSearchIndex(through: .max)
        #expect(store.diskSpace.reclaimsOnline(.main) == true)
        store.close()
        #expect(try Self.autoVacuum(dir.dbPath) == 2)
        #expect(try Self.autoVacuum(dir.dbPath + "-search") == 2)
    }

    @Test func aDeletedSessionsSpaceComesBackWhilePostsGoOn() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.reclaimFreeBytes = 1 << 20
        config.reclaimStepPages = 64
        config.searchIndexTidyIdleMilliseconds = 50
        let store = try Store(config)
        defer { store.close() }
        try createTestUsers(store)
        _ = try makeSession(store, id: "live")
        try Self.fill(store, id: "big", turns: 6_000)
        try store.awaitSearchIndex(through: .max)
        let filled = Self.eventually(10) { Self.fileBytes(dir.dbPath) > 10 << 20 && !store.walIsLong }
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
        let passEnded = Self.eventually(30) { store.diskSpace.reclaimedBytes > 8 << 20 && !store.diskSpace.isRunning(.main) }
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
        // The file on disk shrinks at the next checkpoint that copies every frame.
        let shrunk = Self.eventually(10) { Self.fileBytes(dir.dbPath) < before - reclaimed * 8 / 10 }
        #expect(shrunk, "\(before) -> \(Self.fileBytes(dir.dbPath)) bytes on disk, \(reclaimed) reclaimed")
        #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
        // The indexing thread looked at the search file's free list once idle (FTS5 keeps a
        // delete's entries as tombstones until its segments merge: the file gives back what merges free).
        let searchLooked = Self.eventually(10) { store.diskSpace.reclaimsOnline(.search) == true }
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
        try withStore(configure: { $0.reclaimFreeBytes = 64 << 20 }) { store in
            try Self.fill(store, id: "big", turns: 2_000)
            try store.deleteSession(id: "big", actor: "alice")
            try store.finishDeletes()
            try store.awaitSearchIndex(through: .max)
            // The forgotten text dropped, its pages stay free (read by the checkpointer each second).
            let freed = Self.eventually(10) { store.diskSpace.freeBytes(.main) > 2 << 20 }
            #expect(freed, "\(store.diskSpace.freeBytes(.main)) bytes free")
            #expect(store.diskSpace.steps.count == 0)
        }
    }

    @Test func compactConvertsALegacyFile() throws {
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
        // A file of an older release: auto_vacuum NONE (made so by one VACUUM).
        for path in [dir.dbPath, dir.dbPath + "-search"] {
            let db = try Database(path: path)
            try db.execute("PRAGMA auto_vacuum=NONE")
            try db.execute("VACUUM")
        }
        #expect(try Self.autoVacuum(dir.dbPath) == 0)
        do {
            var config = StoreConfiguration(path: dir.dbPath)
            config.reclaimFreeBytes = 1 << 20
            let store = try Store(config)
            #expect(store.diskSpace.reclaimsOnline(.main) == false)
            store.close()
        }
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

    @Test func aCompactedBackupGivesSpaceBackOnline() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let store = try Store(path: dir.dbPath)
            try createTestUsers(store)
            store.close()
        }
        let db = try Database(path: dir.dbPath)
        try db.execute("PRAGMA auto_vacuum=NONE")
        try db.execute("VACUUM")
        #expect(try Self.autoVacuum(dir.dbPath) == 0)
        try Store.compactedCopy(databaseAt: dir.dbPath, to: dir.path + "/copy.db")
        #expect(try Self.autoVacuum(dir.path + "/copy.db") == 2)
        try Store.backup(databaseAt: dir.path + "/copy.db", to: dir.path + "/plain.db")
        #expect(try Self.autoVacuum(dir.path + "/plain.db") == 2)
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
