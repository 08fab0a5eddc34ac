import Foundation
import Testing
@testable import TandemStore

/// The search index lives in `<database>-search`: derived data that is rebuilt whenever it is
/// missing, damaged, or belongs to another database, and that forgets deleted sessions.
@Suite struct SearchFileTests {
    /// Opens a store on `dir`, appends `count` turns with `word`, waits for the index, closes it.
    private func seed(_ dir: TempDir, word: String, count: Int) throws {
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        if (try? store.session(id: "s1")) == nil {
            try createTestUsers(store)
            try makeSession(store)
        }
        _ = try store.appendTurns(session: "s1", actor: "bob", (0..<count).map { NewTurn(role: .user, content: "\(word) \($0)") })
        try store.catchUpSearchIndex()
    }

    /// Opens the store again: its index must be exact and find every turn.
    private func expectExact(_ dir: TempDir, word: String, count: Int, _ label: String) throws {
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.search(word, limit: 1000).filter { $0.turnSeq != nil }.count == count, "\(label)")
        let audit = try auditSearchIndex(dir.dbPath)
        #expect(audit.differences == 0 && audit.turnsCovered == Int64(count), "\(label): \(audit)")
    }

    @Test func aDeletedSearchFileIsRebuilt() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try seed(dir, word: "gannet", count: 300)
        SearchFile.remove(databasePath: dir.dbPath)
        #expect(!FileManager.default.fileExists(atPath: SearchFile.path(forDatabase: dir.dbPath)))
        try expectExact(dir, word: "gannet", count: 300, "after delete")
    }

    @Test func aDamagedSearchFileIsReplaced() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try seed(dir, word: "puffin", count: 200)
        SearchFile.remove(databasePath: dir.dbPath)
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: SearchFile.path(forDatabase: dir.dbPath)))
        try expectExact(dir, word: "puffin", count: 200, "after damage")
    }

    /// The index of another database (another epoch) must not answer for this one, even where its
    /// ids overlap and its mark is below this database's turns.
    @Test func anotherDatabasesIndexIsNotUsed() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let other = TempDir()
        defer { other.cleanup() }
        try seed(other, word: "kestrel", count: 100) // ids 1...100
        try seed(dir, word: "osprey", count: 150) // ids 1...150, indexed
        SearchFile.remove(databasePath: dir.dbPath)
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.moveItem(atPath: SearchFile.path(forDatabase: other.dbPath) + suffix,
                                              toPath: SearchFile.path(forDatabase: dir.dbPath) + suffix)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.search("kestrel", limit: 1000).isEmpty, "hits from the other database's index")
        #expect(try store.search("osprey", limit: 1000).filter { $0.turnSeq != nil }.count == 150)
        #expect(try auditSearchIndex(dir.dbPath).differences == 0)
    }

    /// A backup restored over the database (same epoch, fewer turns) leaves an index that is
    /// ahead of the turns with no delete to explain it: it is rebuilt.
    @Test func anIndexAheadOfARestoredBackupIsRebuilt() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try seed(dir, word: "heron", count: 100)
        let backup = dir.path + "/backup.db"
        do {
            let store = try Store(path: dir.dbPath)
            try store.backup(to: backup)
            store.close()
        }
        try seed(dir, word: "egret", count: 100) // ids 101...200 indexed
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.dbPath + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: dir.dbPath)
        try seed(dir, word: "plover", count: 30) // ids 101...130 again, other words
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.search("egret", limit: 1000).isEmpty, "hits for turns the restored database never had")
        #expect(try store.search("plover", limit: 1000).filter { $0.turnSeq != nil }.count == 30)
        #expect(try auditSearchIndex(dir.dbPath).differences == 0)
    }

    /// Deleted sessions leave notes for the index; once applied, the notes are pruned.
    @Test func forgetNotesArePrunedOnceApplied() throws {
        try withStore { store in
            for id in ["a", "b", "c"] {
                _ = try makeSession(store, id: id)
                _ = try store.appendTurns(session: id, actor: "bob", (0..<20).map { NewTurn(role: .user, content: "tern \(id) \($0)") })
            }
            try store.catchUpSearchIndex()
            try store.deleteSession(id: "a", actor: "alice")
            try store.deleteSession(id: "b", actor: "alice")
            try store.finishDeletes()
            try store.catchUpSearchIndex()
            #expect(Set(try store.search("tern", limit: 1000).map(\.sessionID)) == ["c"])
            let deadline = Date().addingTimeInterval(10)
            var left: Int64 = -1
            while Date() < deadline {
                left = try store.read { db throws(StoreError) in
                    (try db.scalar("SELECT count(*) FROM search_forget") ?? 0) + (try db.scalar("SELECT count(*) FROM search_forget_turns") ?? 0)
                }
                if left == 0 { break }
                usleep(10_000)
            }
            #expect(left == 0, "forget notes left after they were applied")
            // Numbers are not handed out again after the prune: a later delete is still applied.
            try store.deleteSession(id: "c", actor: "alice")
            try store.finishDeletes()
            #expect(try store.search("tern", limit: 1000).isEmpty)
            #expect(try auditSearchIndex(store.configuration.path).differences == 0)
        }
    }

    /// A delete committed while the index could not apply it (its file locked until the store
    /// closed, as if the process had died) is applied after the restart: its note outlives the
    /// process.
    @Test func aDeleteNotYetAppliedSurvivesARestart() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            var config = StoreConfiguration(path: dir.dbPath)
            config.busyTimeoutMilliseconds = 50 // the indexing step gives up on the held lock at once
            let store = try Store(config)
            try createTestUsers(store)
            for id in ["keep", "gone"] {
                _ = try makeSession(store, id: id)
                _ = try store.appendTurns(session: id, actor: "bob", (0..<20).map { NewTurn(role: .user, content: "wren \(id) \($0)") })
            }
            try store.catchUpSearchIndex()
            let blocker = try Database(path: SearchFile.path(forDatabase: dir.dbPath))
            try blocker.run("BEGIN IMMEDIATE")
            try store.deleteSession(id: "gone", actor: "alice")
            try store.finishDeletes() // one step: 20 turns
            #expect(try store.searchIndexProgress().pendingForgets == 1)
            usleep(300_000) // the step the delete triggered has failed on the lock by now
            try blocker.run("ROLLBACK")
            store.close()
        }
        #expect(try rawIndexProgress(dir.dbPath).pendingForgets == 1, "applied before the restart: nothing tested")
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(Set(try store.search("wren", limit: 1000).map(\.sessionID)) == ["keep"])
        #expect(try store.searchIndexProgress().isCaughtUp)
        #expect(try auditSearchIndex(dir.dbPath).differences == 0)
    }

    /// In memory the writer's connection holds the index; searches index on demand.
    @Test func anInMemoryStoreSearchesAndForgets() throws {
        let store = try Store(StoreConfiguration(path: ":memory:"))
        defer { store.close() }
        try createTestUsers(store)
        try makeSession(store)
        try makeSession(store, id: "s2")
        _ = try store.appendTurns(session: "s1", actor: "bob", (0..<30).map { NewTurn(role: .user, content: "curlew \($0)") })
        _ = try store.appendTurns(session: "s2", actor: "bob", [NewTurn(role: .user, content: "curlew again")])
        #expect(try store.search("curlew", limit: 100).count == 31)
        try store.deleteSession(id: "s1", actor: "alice")
        #expect(try store.search("curlew", limit: 100).map(\.sessionID) == ["s2"])
        try store.finishDeletes()
        #expect(try store.search("curlew", limit: 100).map(\.sessionID) == ["s2"])
        _ = try store.appendTurns(session: "s2", actor: "bob", [NewTurn(role: .user, content: "curlew reused id")])
        #expect(try store.search("curlew", limit: 100).map(\.turnSeq) == [2, 1])
        #expect(try store.searchIndexProgress().isCaughtUp)
    }

    /// `searchIndexNice` lowers the indexing thread's priority, and only that thread's.
    @Test func theIndexingThreadTakesItsNiceValue() throws {
        func nices() -> [Int] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { task in
                guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return nil }
                // Fields after "(comm)": state is field 3, nice is field 19.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]) : nil
            }
        }
        #expect(!nices().contains(7))
        try withStore(configure: { $0.searchIndexNice = 7 }) { _ in
            let deadline = Date().addingTimeInterval(5)
            while nices().filter({ $0 == 7 }).count != 1 && Date() < deadline { usleep(10_000) }
            #expect(nices().filter { $0 == 7 }.count == 1, "threads' nice values: \(nices())")
        }
    }
}

/// How the search file is attached: derived data, so commits need not sync (NORMAL), and the page
/// cache is what the caller asks (the indexing connection's, so a step does not spill mid-way).
@Suite struct SearchFileAttachTests {
    @Test func theSearchSchemaIsNormalSynchronousWithTheCacheAskedFor() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try Store(path: dir.dbPath).close()
        let plain = try Database(path: dir.dbPath)
        try SearchFile.attach(plain, databasePath: dir.dbPath)
        #expect(try plain.scalar("PRAGMA search.synchronous") == 1)
        #expect(try plain.scalar("PRAGMA search.cache_size") == -2000, "SQLite's default")
        #expect(try plain.scalar("PRAGMA main.synchronous") == 1)

        let indexing = try Database(path: dir.dbPath, synchronous: .full)
        try SearchFile.attach(indexing, databasePath: dir.dbPath, cacheBytes: 8 << 20)
        #expect(try indexing.scalar("PRAGMA search.synchronous") == 1, "whatever the main file's durability")
        #expect(try indexing.scalar("PRAGMA main.synchronous") == 2)
        #expect(try indexing.scalar("PRAGMA search.cache_size") == -8192)
    }
}
