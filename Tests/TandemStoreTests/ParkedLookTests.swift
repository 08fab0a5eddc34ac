import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// A writer whose only jobs are parked behind a merge's hold looks for the hold's end in a read of
/// its own every `parkedPollSeconds`: looking takes no write lock (a merge in another process,
/// whose next step wants that lock, is not held up by the writes waiting for it), and a hold that
/// another connection lifts still lets the parked jobs go.
@Suite struct ParkedLookTests {
    @Test func parkedWritesLookForTheHoldsEndWithoutTakingTheWriteLock() throws {
        // Told of (the test's sign that the write is parked) 50 ms after it parks.
        let notices = MergeNotices()
        try withStore(configure: { $0.mergeWait = notices.policy(noticeAfter: .milliseconds(50)) }) { store in
            try store.makeBranchHeldByMerge()
            let written = Mutex<Result<RowWriteResult, StoreError>?>(nil)
            Thread {
                let result = Result { () throws(StoreError) -> RowWriteResult in
                    try store.writeRow(session: "p", actor: "alice", key: "k", value: 1, baseVersion: 0)
                }
                written.withLock { $0 = result }
            }.start()
            let deadline = Date().addingTimeInterval(10 * testTimeScale)
            while notices.told.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            #expect(!notices.told.isEmpty, "the write never parked")

            // Another connection (a merge's step in another process) holds the write lock a while;
            // the parked write's writer, looking meanwhile, neither waits for it nor commits.
            let before = (batches: store.writer.batches, lockWaits: store.writer.activity.lockWaits)
            let other = try Database(path: store.configuration.path)
            defer { other.close() }
            try other.run("BEGIN IMMEDIATE")
            Thread.sleep(forTimeInterval: 0.4)
            try other.run("ROLLBACK")
            Thread.sleep(forTimeInterval: 0.3)
            #expect(store.writer.batches == before.batches, "the writer's looks were write transactions")
            #expect(store.writer.activity.lockWaits == before.lockWaits, "the writer's looks waited for the other's write lock")
            #expect(written.withLock { $0 } == nil, "the write waits for the merge")

            // The other connection lifts the hold (the merge's last step): the write goes through.
            try other.run("DELETE FROM branch_merges")
            let end = Date().addingTimeInterval(10 * testTimeScale)
            while written.withLock({ $0 }) == nil && Date() < end { Thread.sleep(forTimeInterval: 0.01) }
            #expect((try? written.withLock { $0 }?.get()) != nil, "the write went through once the hold was lifted")
            #expect(try store.stateRow(session: "p", actor: "alice", key: "k") != nil)
        }
    }
}
