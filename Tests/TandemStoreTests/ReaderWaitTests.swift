import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// `Store.read(readerWait:)`: a caller that finds every reader checked out waits at most that long,
/// then gets `busy`; without it, it waits until one comes back.
@Suite struct ReaderWaitTests {
    @Test func aBoundedReadGivesUpWithBusyWhileEveryReaderIsHeldAndReadsOnceOneIsBack() throws {
        try withStore(configure: { $0.readerCount = 2 }) { store in
            let held = Atomic<Int>(0)
            let gate = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: done) {
                    _ = try? store.read { (_: Database) throws(StoreError) in
                        held.add(1, ordering: .relaxed)
                        gate.wait()
                    }
                }
            }
            let deadline = Date().addingTimeInterval(5)
            while held.load(ordering: .relaxed) < 2 && Date() < deadline { usleep(1_000) }
            #expect(held.load(ordering: .relaxed) == 2)

            let started = Date()
            var kind: StoreError.Code?
            do throws(StoreError) {
                _ = try store.read(readerWait: 0.15) { (db: Database) throws(StoreError) -> Int64 in try db.scalar("SELECT 1") ?? 0 }
            } catch {
                kind = error.kind
                #expect(error.message == "no database reader came free within 150 ms")
            }
            let waited = Date().timeIntervalSince(started)
            #expect(kind == .busy)
            #expect(waited >= 0.14 && waited < 2, "waited \(waited) s")

            // A reader given back while a bounded read waits is taken by it.
            let late = DispatchGroup()
            let answer = Mutex<Int64?>(nil)
            DispatchQueue.global().async(group: late) {
                let value = try? store.read(readerWait: 5) { (db: Database) throws(StoreError) -> Int64 in try db.scalar("SELECT 7") ?? 0 }
                answer.withLock { $0 = value }
            }
            usleep(100_000)
            gate.signal()
            #expect(late.wait(timeout: .now() + 5) == .success)
            #expect(answer.withLock { $0 } == 7)
            gate.signal()
            #expect(done.wait(timeout: .now() + 5) == .success)
        }
    }
}
