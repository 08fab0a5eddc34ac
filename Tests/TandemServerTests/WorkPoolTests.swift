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

/// Owners take turns (`WorkPool`): one user's flood neither holds every thread nor queues ahead of
/// another user's request.
@Suite struct WorkPoolOwnerTests {
    /// Records the order jobs ran in.
    final class Order: Sendable {
        let names = Mutex<[String]>([])
        func ran(_ name: String) { names.withLock { $0.append(name) } }
    }

    @Test("one owner runs at most half the threads: another owner's job runs while its jobs block")
    func oneOwnerLeavesThreadsFree() {
        let pool = WorkPool(threads: 2)
        #expect(pool.maxRunningPerOwner == 1)
        let gate = DispatchSemaphore(value: 0), other = DispatchSemaphore(value: 0)
        for _ in 0..<3 { #expect(pool.submit(owner: "heavy") { gate.wait() }) }
        #expect(pool.submit(owner: "small") { other.signal() })
        let ranMeanwhile = other.wait(timeout: .now() + 5) == .success
        #expect(ranMeanwhile, "the other owner's job waited for the heavy owner's blocked jobs")
        for _ in 0..<3 { gate.signal() }
        pool.shutdown()
    }

    @Test("a free thread takes the next owner's oldest job, not the oldest job of all")
    func ownersTakeTurns() {
        let pool = WorkPool(threads: 1)
        let gate = DispatchSemaphore(value: 0)
        let order = Order()
        #expect(pool.submit(owner: "first") { gate.wait() })
        for n in 1...3 { #expect(pool.submit(owner: "heavy") { order.ran("heavy-\(n)") }) }
        #expect(pool.submit(owner: "small") { order.ran("small-1") })
        #expect(pool.submit { order.ran("server") })
        #expect(pool.submit(owner: "small") { order.ran("small-2") })
        gate.signal()
        pool.shutdown()
        #expect(order.names.withLock { $0 } == ["heavy-1", "small-1", "server", "heavy-2", "small-2", "heavy-3"])
    }

    @Test("the queue bound counts every owner's jobs, an owner's bound its own; a stopped pool runs what was queued")
    func boundAndShutdown() {
        let pool = WorkPool(threads: 1, maxQueued: 30)
        #expect(pool.maxQueuedPerOwner == 3)
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let tally = Tally()
        #expect(pool.submit(owner: "a") { started.signal(); gate.wait() })
        started.wait()
        for _ in 0..<3 { #expect(pool.submit(owner: "a") { tally.count.add(1, ordering: .relaxed) }) }
        #expect(pool.submit(owner: "a") {} == false, "owner a's part is full")
        for _ in 0..<3 { #expect(pool.submit(owner: "b") { tally.count.add(1, ordering: .relaxed) }) }
        for _ in 0..<24 { #expect(pool.submit { tally.count.add(1, ordering: .relaxed) }) }
        #expect(pool.submit(owner: "c") {} == false, "the whole queue is full")
        #expect(pool.submit {} == false)
        gate.signal()
        pool.shutdown()
        #expect(tally.count.load(ordering: .relaxed) == 30)
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
