import Foundation
import Synchronization
import Testing
import TandemStore

/// `tandem-admin backup` while another process commits without pause, as tandemd does. The copy
/// runs in the CLI's process: tests share this one, and one bounds its memory.
@Suite struct BackupUnderLoadTests {
    /// In steps, SQLite restarts a backup whenever another connection commits between two of
    /// them: under a steady stream of commits it never finished (29-74 s here, until the posts
    /// stopped). One snapshot, copied whole.
    @Test func aBackupFinishesWhileCommitsKeepComing() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        var configuration = StoreConfiguration(path: f.db)
        configuration.cacheBytes = 1 << 20
        configuration.indexTurnsForSearch = false
        let store = try Store(configuration)
        defer { store.close() }
        let text = String(repeating: "x", count: 4000)
        for _ in 0..<30 { // ~12 MB: three steps at the old 1,024 pages (4 MB) a step
            _ = try store.appendTurns(session: "s1", actor: "bob", (0..<100).map { _ in NewTurn(role: .user, content: text) })
        }
        let stop = Atomic<Bool>(false)
        let posted = Atomic<Int>(0)
        let finished = DispatchSemaphore(value: 0)
        let poster = Thread {
            while !stop.load(ordering: .relaxed) {
                _ = try? store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "meanwhile"))
                posted.add(1, ordering: .relaxed)
            }
            finished.signal()
        }
        poster.start()
        defer { stop.store(true, ordering: .relaxed); finished.wait() } // the store outlives the poster
        while posted.load(ordering: .relaxed) < 20 { Thread.sleep(forTimeInterval: 0.001) }
        let copy = f.dir + "/backup.db"
        let started = Date()
        let result = try f.run(["backup", copy])
        let took = Date().timeIntervalSince(started)
        let before = posted.load(ordering: .relaxed)
        // Still posting when the backup returned (within 2 s: a loaded machine may hold a commit back).
        let deadline = Date().addingTimeInterval(2)
        while posted.load(ordering: .relaxed) == before && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(posted.load(ordering: .relaxed) > before)
        stop.store(true, ordering: .relaxed)
        expectStatus(result, 0)
        #expect(took < 10, "the backup took \(took) s")
        var copied = StoreConfiguration(path: copy)
        (copied.cacheBytes, copied.indexTurnsForSearch) = (1 << 20, false) // no search file built for the copy
        let backup = try Store(copied)
        defer { backup.close() }
        #expect(try backup.session(id: "s1").lastTurnSeq >= 3000 + 20)
    }
}
