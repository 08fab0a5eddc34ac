import Foundation
import Testing
import ThreadWaits
@testable import TandemStore

/// The store's threads sleep on the monotonic clock: a wait of theirs seen by the kernel has no
/// `FUTEX_CLOCK_REALTIME` (with `NSCondition.wait(until:)` every one had, and a step back of the
/// system clock lengthened it by as much).
@Suite struct StoreThreadClockTests {
    private func expectMonotonic(_ operations: [UInt64], _ thread: String) {
        #expect(!operations.isEmpty, "no timed wait of \(thread) seen")
        for op in operations {
            #expect(op & 0x7f == TimedFutexWaits.waitBitset, "\(thread): futex op \(String(op, radix: 16))")
            #expect(op & TimedFutexWaits.clockRealtimeFlag == 0,
                    "\(thread) waits on CLOCK_REALTIME: futex op 0x\(String(op, radix: 16))")
        }
    }

    @Test func theCheckpointerSleepsOnTheMonotonicClock() throws {
        try withStore { _ in
            // It sleeps 100 ms between checkpoints, in a timed wait.
            expectMonotonic(TimedFutexWaits.operations(ofThreadsNamed: "tandem-checkpt"), "tandem-checkpt")
        }
    }

    @Test func theSearchIndexerSleepsOnTheMonotonicClock() throws {
        try withStore(configure: { config in
            // Long enough quiet and idle times that the sampling finds it waiting for them.
            config.searchIndexMinStepTurns = 1_000
            config.searchIndexQuietMilliseconds = 2_000
            config.searchIndexTidyIdleMilliseconds = 2_000
        }) { store in
            try makeSession(store)
            // One turn under `searchIndexMinStepTurns`: indexed once it has waited the quiet time.
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "a turn to index"))
            expectMonotonic(TimedFutexWaits.operations(ofThreadsNamed: "tandem-index"), "tandem-index")
        }
    }
}
