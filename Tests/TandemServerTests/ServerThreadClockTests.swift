import Foundation
import Testing
import ThreadWaits

/// The server's own sleeping threads measure time on the monotonic clock: a wait of theirs seen
/// by the kernel has no `FUTEX_CLOCK_REALTIME`. With `NSCondition.wait(until:)` every one had,
/// and a system clock stepped back by X held revocations and share-link expiry back by X.
@Suite struct ServerThreadClockTests {
    @Test func theAccessWatcherSleepsOnTheMonotonicClock() throws {
        let harness = try TestServer()
        defer { harness.stop() }
        // It sleeps up to 250 ms between ticks, in a timed wait.
        let operations = TimedFutexWaits.operations(ofThreadsNamed: "tandem-access")
        #expect(!operations.isEmpty, "no timed wait of tandem-access seen")
        for op in operations {
            #expect(op & 0x7f == TimedFutexWaits.waitBitset, "futex op 0x\(String(op, radix: 16))")
            #expect(op & TimedFutexWaits.clockRealtimeFlag == 0,
                    "tandem-access waits on CLOCK_REALTIME: futex op 0x\(String(op, radix: 16))")
        }
    }
}
