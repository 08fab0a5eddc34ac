import Foundation
import Synchronization
import Testing
@testable import TandemStore

@Suite struct WALCheckpointTests {
    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// The checkpointer copies committed pages into the database file on its own: the writer's own
    /// automatic checkpoint is set far above what these writes produce, so growth of the main
    /// file can only come from the checkpointer.
    @Test func checkpointerMovesTheWALIntoTheFile() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.checkpointIntervalMilliseconds = 20
        config.indexTurnsForSearch = false
        let store = try Store(config)
        defer { store.close() }
        _ = try store.createUser(id: "alice", displayName: "Alice")
        _ = try store.createSession(id: "s1", title: "t", owner: "alice")
        let before = fileSize(dir.dbPath)
        let content = String(repeating: "x", count: 2_000)
        for _ in 0..<4 {
            _ = try store.appendTurns(session: "s1", actor: "alice", (0..<500).map { _ in NewTurn(role: .user, content: content) })
        }
        // 2,000 turns of 2 kB: ~1,000 pages, far below the writer's fallback of 16,384.
        // The file grows while a checkpoint copies pages; the run is counted once it returns.
        let grew = (0..<200).contains { _ in
            if fileSize(dir.dbPath) > before + 3_000_000 && store.checkpointsRun > 0 { return true }
            usleep(20_000)
            return false
        }
        #expect(grew, "file \(fileSize(dir.dbPath)) bytes (was \(before)), checkpoints \(store.checkpointsRun)")
        #expect(try store.lastTurns(session: "s1", actor: "alice", count: 1).first?.seq == 2_000)
    }

    /// With the checkpointer off, the main file stays as it was until SQLite's own threshold.
    @Test func withoutTheCheckpointerTheWriterKeepsSQLiteDefaults() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.checkpointIntervalMilliseconds = 0
        let store = try Store(config)
        defer { store.close() }
        _ = try store.createUser(id: "alice", displayName: "Alice")
        _ = try store.createSession(id: "s1", title: "t", owner: "alice")
        let before = fileSize(dir.dbPath)
        _ = try store.appendTurns(session: "s1", actor: "alice", (0..<100).map { _ in NewTurn(role: .user, content: "hello") })
        usleep(200_000)
        #expect(fileSize(dir.dbPath) == before)
        #expect(store.checkpointsRun == 0)
    }

    /// Every completion runs inside the configured scope, in commit order.
    @Test func completionsRunInsideTheCompletionScope() throws {
        let log = Mutex<[String]>([])
        let inScope = Mutex(false)
        try withStore(configure: { config in
            config.completionScope = { completions in
                inScope.withLock { $0 = true }
                log.withLock { $0.append("begin") }
                completions()
                log.withLock { $0.append("end") }
                inScope.withLock { $0 = false }
            }
        }) { store in
            try makeSession(store)
            let group = DispatchGroup()
            let outside = Mutex(0)
            for i in 0..<200 {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "t\(i)")]) { result in
                    if !inScope.withLock({ $0 }) { outside.withLock { $0 += 1 } }
                    if case .success(let appended) = result { log.withLock { $0.append("\(appended.turns[0].seq)") } }
                    group.leave()
                }
            }
            group.wait()
            #expect(outside.withLock { $0 } == 0)
            let seqs = log.withLock { $0 }.compactMap { Int($0) }
            #expect(seqs == Array(1...200))
            #expect(log.withLock { $0 }.first == "begin")
        }
    }
}
