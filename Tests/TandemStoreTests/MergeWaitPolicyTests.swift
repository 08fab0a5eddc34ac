import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// `StoreConfiguration.mergeWait` (tandem-admin's): a write parked behind a merge's hold is told of
/// once after `noticeAfter`, and answered `busy` past `limit` with nothing of it written; a wait
/// shorter than `noticeAfter` is not told of.
@Suite struct MergeWaitPolicyTests {
    /// A write's result once it has one (a class: a Mutex cannot be returned).
    private final class Outcome: Sendable {
        let result = Mutex<Result<RowWriteResult, StoreError>?>(nil)
        func withLock<T>(_ body: (inout Result<RowWriteResult, StoreError>?) -> T) -> T { result.withLock { body(&$0) } }
    }

    /// A write of row `key` on `session` in a thread of its own.
    private func writeInThread(_ store: Store, _ session: String, _ key: String) -> Outcome {
        let outcome = Outcome()
        Thread {
            let result = Result { () throws(StoreError) -> RowWriteResult in
                try store.writeRow(session: session, actor: "alice", key: key, value: 1, baseVersion: 0)
            }
            outcome.withLock { $0 = result }
        }.start()
        return outcome
    }

    private func waitFor(_ seconds: Double, _ done: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    @Test func aParkedWriteIsToldOfOnceThenAnsweredBusyPastTheLimitWithNothingWritten() throws {
        let notices = MergeNotices()
        try withStore(configure: { $0.mergeWait = notices.policy(noticeAfter: .milliseconds(300), limit: .milliseconds(1_200)) }) { store in
            try store.makeBranchHeldByMerge()

            let started = ContinuousClock.now
            let outcome = writeInThread(store, "p", "k")
            waitFor(30 * testTimeScale) { outcome.withLock { $0 } != nil }
            let waited = ContinuousClock.now - started
            let result = try #require(outcome.withLock { $0 }, "the write never gave up")
            #expect(waited >= .milliseconds(1_200), "gave up after \(waited)")
            var refusal: StoreError?
            if case .failure(let error) = result { refusal = error }
            #expect(refusal?.kind == .busy)
            #expect(refusal?.mergeWait?.session == "p" && refusal?.mergeWait?.branch == "b" && refusal?.mergeWait?.into == "p",
                    "\(String(describing: refusal))")
            // In the words tandem-admin prints (`MergeWait.refusal`), without its "by tandemd" and hint.
            #expect(refusal?.message == "session 'p' is still being merged into (branch 'b') after 1.2 s: nothing was written; "
                    + "retry when the merge ends", "\(String(describing: refusal))")
            let told = notices.told
            #expect(told.count == 1, "\(told)")
            #expect(told.first.map { $0.session == "p" && $0.branch == "b" && $0.into == "p" && $0.waited >= .milliseconds(300) } == true,
                    "\(told)")

            // Nothing of it written; the merge's sessions take writes again once the hold is lifted.
            #expect(try store.stateRow(session: "p", actor: "alice", key: "k") == nil)
            try store.liftMergeHolds()
            _ = try store.writeRow(session: "p", actor: "alice", key: "k", value: 2, baseVersion: 0)
            #expect(notices.told.count == 1)
        }
    }

    @Test func aWriteOnTheBranchNamesTheSessionItIsMergedInto() throws {
        let notices = MergeNotices()
        try withStore(configure: { $0.mergeWait = notices.policy(noticeAfter: .milliseconds(100)) }) { store in
            try store.makeBranchHeldByMerge()
            let outcome = writeInThread(store, "b", "k")
            waitFor(30 * testTimeScale) { !notices.told.isEmpty }
            try store.liftMergeHolds()
            waitFor(30 * testTimeScale) { outcome.withLock { $0 } != nil }
            #expect((try? outcome.withLock { $0 }?.get()) != nil, "the write went through after the merge")
            let told = notices.told
            #expect(told.count == 1 && told.first?.session == "b" && told.first?.branch == "b" && told.first?.into == "p", "\(told)")
        }
    }

    /// The one wording of a merge wait, the store's answer's and tandem-admin's (which names
    /// tandemd and makes ids printable).
    @Test func aMergeWaitIsWordedForTheSessionMergedIntoTheBranchAndAMergeJustEnded() {
        let parent = MergeWait(session: "b", branch: "c", into: "b", waited: .zero)
        #expect(parent.described() == "session 'b' is being merged into (branch 'c')")
        #expect(parent.described(merger: "tandemd", show: { $0.uppercased() }) == "session 'B' is being merged into by tandemd (branch 'C')")
        let branch = MergeWait(session: "c", branch: "c", into: "b", waited: .zero)
        #expect(branch.described(merger: "tandemd") == "session 'c' is being merged into 'b' by tandemd")
        let ended = MergeWait(session: "b", branch: nil, into: nil, waited: .zero)
        #expect(ended.described(still: true, merger: "tandemd") == "session 'b' is still being merged into by tandemd")
        #expect(branch.refusal(after: MergeWait.seconds(0.5))
                == "session 'c' is still being merged into 'b' after 0.5 s: nothing was written; retry when the merge ends")
        #expect(MergeWait.seconds(600) == "600")
    }

    @Test func aWaitShorterThanNoticeAfterIsNotToldOf() throws {
        let notices = MergeNotices()
        try withStore(configure: { $0.mergeWait = notices.policy(noticeAfter: .seconds(5 * testTimeScale)) }) { store in
            try store.makeBranchHeldByMerge()
            let outcome = writeInThread(store, "p", "k")
            Thread.sleep(forTimeInterval: 0.3)
            #expect(outcome.withLock { $0 } == nil, "the write waits for the merge")
            try store.liftMergeHolds()
            waitFor(30 * testTimeScale) { outcome.withLock { $0 } != nil }
            #expect((try? outcome.withLock { $0 }?.get()) != nil)
            #expect(notices.told.isEmpty)
        }
    }
}
