import Foundation
import Synchronization
import Testing
@testable import TandemServer

final class Tally: Sendable {
    let count = Atomic<Int>(0)
}

@Suite struct WorkPoolTests {
    @Test func runsEverythingSubmittedBeforeShutdown() {
        let pool = WorkPool(threads: 4)
        let tally = Tally()
        for _ in 0..<10_000 { #expect(pool.submit { tally.count.add(1, ordering: .relaxed) }) }
        pool.shutdown()
        #expect(tally.count.load(ordering: .relaxed) == 10_000)
        #expect(pool.submit {} == false, "a stopped pool refuses work")
    }

    @Test func refusesWhenTheQueueIsFull() {
        let pool = WorkPool(threads: 1, maxQueued: 2)
        let gate = NSCondition()
        let released = Tally()
        // Occupy the only thread until released.
        #expect(pool.submit {
            gate.lock(); while released.count.load(ordering: .relaxed) == 0 { gate.wait() }; gate.unlock()
        })
        Thread.sleep(forTimeInterval: 0.05)
        #expect(pool.submit {})
        #expect(pool.submit {})
        #expect(pool.submit {} == false)
        gate.lock(); released.count.store(1, ordering: .relaxed); gate.broadcast(); gate.unlock()
        pool.shutdown()
    }

    /// A job that ran lets go of what it captured at once (it was kept until 1,024 more had run: a
    /// stopped server's connection, and through it the server and its database, for good).
    @Test func aJobThatRanKeepsNothingItCaptured() {
        let pool = WorkPool(threads: 1)
        defer { pool.shutdown() }
        weak var captured: Tally?
        do {
            let tally = Tally()
            captured = tally
            #expect(pool.submit { tally.count.add(1, ordering: .relaxed) })
        }
        // The one thread takes jobs in order: once the second ran, the first is done with.
        let second = DispatchSemaphore(value: 0)
        #expect(pool.submit { second.signal() })
        second.wait()
        #expect(captured == nil, "the pool still holds a job that ran")
    }
}

@Suite struct FreedMemoryReleaserTests {
    @Test func trimsOnItsIntervalUntilStopped() {
        let releaser = FreedMemoryReleaser(interval: 0.02)
        releaser.start()
        var waited = 0.0
        while releaser.trimCount < 3 && waited < 10 {
            Thread.sleep(forTimeInterval: 0.02)
            waited += 0.02
        }
        #expect(releaser.trimCount >= 3)
        releaser.stop()
        Thread.sleep(forTimeInterval: 0.05)
        let stopped = releaser.trimCount
        Thread.sleep(forTimeInterval: 0.2)
        #expect(releaser.trimCount == stopped, "trimmed after stop")
    }

    @Test func intervalZeroNeverTrims() {
        let releaser = FreedMemoryReleaser(interval: 0)
        releaser.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(releaser.trimCount == 0)
        releaser.stop()
    }
}
