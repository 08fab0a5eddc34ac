import Foundation
import Testing
@testable import TandemStore

/// `Store.close()` closes every connection it opened before it returns. They used to close when
/// their owners were freed: the writer's, the checkpointer's and the search indexer's by their
/// threads, which keep their owners until they have exited, a moment after `close()` returned.
/// The last one's close (a checkpoint and the WAL's removal, under an exclusive lock) then made an
/// open that came meanwhile fail "database is locked" where it had no busy timeout (seen in
/// MergeLeftToServerTests, whose own connections have none, on a loaded machine).
@Suite struct StoreCloseTests {
    /// The paths under `dir` that this process holds open descriptors to.
    private func openFiles(under dir: String) -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                  target.hasPrefix(dir + "/") else { return nil }
            return target
        }.sorted()
    }

    @Test func closeLetsGoOfTheDatabaseBeforeItReturns() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        // Every connection a store opens: writer, checkpointer, search indexer, readers.
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        try createTestUsers(store)
        _ = try makeSession(store)
        _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "hello"))
        try store.awaitSearchIndex(through: .max)
        #expect(try store.read { (db: Database) throws(StoreError) -> Int64 in try db.scalar("SELECT count(*) FROM turns") ?? 0 } == 1)
        #expect(!openFiles(under: dir.path).isEmpty)

        store.close()
        // Still referenced here, as a caller holding the store after its close would.
        withExtendedLifetime(store) {
            #expect(openFiles(under: dir.path) == [])
            // The last connection's close checkpointed the WAL and removed it.
            #expect(!FileManager.default.fileExists(atPath: dir.dbPath + "-wal"))
        }
    }

    @Test func aConnectionClosedRefusesLaterCalls() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let db = try Database(path: dir.dbPath)
        try db.execute("CREATE TABLE t(x)")
        // Cached statements, of both kinds: a closed connection must not find them.
        _ = try db.run("INSERT INTO t VALUES (1)") { _ throws(StoreError) in }
        #expect(try db.scalar("SELECT count(*) FROM t") == 1)
        db.close()
        db.close() // idempotent
        #expect(!db.isInTransaction)
        #expect(throws: StoreError.self) { try db.execute("SELECT 1") }
        let code = errorCode { _ = try db.scalar("SELECT count(*) FROM t") }
        #expect(code == "closed")
        #expect(errorCode { _ = try db.run("INSERT INTO t VALUES (1)") { _ throws(StoreError) in } } == "closed")
    }
}
