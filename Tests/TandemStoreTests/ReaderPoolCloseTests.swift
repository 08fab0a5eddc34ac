import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// `Store.close()` and the readers: a read after the close is refused at once with `closed`. It
/// used to wait forever once every reader had been opened (the pool still counted those it had
/// closed), or to run on a reader that was checked out across the close and kept on its return.
@Suite struct ReaderPoolCloseTests {
    /// `store.read` on its own thread (the old code never came back): its error's code, or nil when
    /// it read; `timedOut` when no answer came within 5 s.
    private func readAfterClose(_ store: Store) -> (timedOut: Bool, code: StoreError.Code?) {
        let answered = DispatchSemaphore(value: 0)
        let code = Mutex<StoreError.Code?>(nil)
        DispatchQueue.global().async {
            do throws(StoreError) {
                _ = try store.read { (db: Database) throws(StoreError) -> Int64 in try db.scalar("SELECT 1") ?? 0 }
            } catch {
                code.withLock { $0 = error.kind }
            }
            answered.signal()
        }
        let timedOut = answered.wait(timeout: .now() + 5) == .timedOut
        return (timedOut, code.withLock { $0 })
    }

    private func store(readers: Int, in dir: TempDir) throws -> Store {
        var config = StoreConfiguration(path: dir.dbPath)
        config.readerCount = readers
        config.indexTurnsForSearch = false
        return try Store(config)
    }

    @Test func aReadAfterTheCloseIsRefusedOnceEveryReaderWasOpened() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try store(readers: 1, in: dir)
        _ = try store.createUser(id: "alice", displayName: "Alice")
        _ = try store.read { (db: Database) throws(StoreError) -> Int64 in try db.scalar("SELECT 1") ?? 0 }
        store.close()
        let read = readAfterClose(store)
        #expect(!read.timedOut, "a read after the close waits for a reader that never comes")
        #expect(read.code == .closed)
    }

    @Test func aReaderCheckedOutAcrossTheCloseServesNoLaterRead() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try store(readers: 2, in: dir)
        _ = try store.createUser(id: "alice", displayName: "Alice")
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = DispatchGroup()
        DispatchQueue.global().async(group: holder) {
            _ = try? store.read { (_: Database) throws(StoreError) in
                held.signal()
                release.wait()
            }
        }
        #expect(held.wait(timeout: .now() + 5) == .success)
        store.close()
        release.signal()
        #expect(holder.wait(timeout: .now() + 5) == .success)
        let read = readAfterClose(store)
        #expect(!read.timedOut)
        #expect(read.code == .closed, "a read after the close ran on the reader returned after it")
    }
}
