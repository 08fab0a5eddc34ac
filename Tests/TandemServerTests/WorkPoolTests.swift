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
        let started = DispatchSemaphore(value: 0)
        // Occupy the only thread until released; the queue counts from when that job has left it.
        #expect(pool.submit {
            started.signal()
            gate.lock(); while released.count.load(ordering: .relaxed) == 0 { gate.wait() }; gate.unlock()
        })
        started.wait()
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

    @Test("an owner at its limit waits out of line: a thousand other owners' jobs run meanwhile, its own when one ends")
    func anOwnerAtItsLimitStepsAside() {
        let pool = WorkPool(threads: 2)
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0), othersDone = DispatchSemaphore(value: 0)
        let order = Order(), tally = Tally()
        #expect(pool.submit(owner: "heavy") { started.signal(); gate.wait(); order.ran("heavy-1") })
        started.wait()
        #expect(pool.submit(owner: "heavy") { order.ran("heavy-2") })
        for n in 0..<1000 {
            #expect(pool.submit(owner: "user-\(n)") {
                if tally.count.add(1, ordering: .relaxed).newValue == 1000 { othersDone.signal() }
            })
        }
        let othersRan = othersDone.wait(timeout: .now() + 10) == .success
        #expect(othersRan, "the other owners' jobs waited behind an owner at its limit")
        #expect(order.names.withLock { $0 }.isEmpty, "heavy's second job ran while its first still ran")
        gate.signal()
        pool.shutdown()
        #expect(order.names.withLock { $0 } == ["heavy-1", "heavy-2"])
    }
}

/// The work pool's queues: first in, first out across compactions, and a taken element let go at once.
@Suite struct FIFOTests {
    @Test func keepsOrderAcrossCompactions() {
        var fifo = FIFO<Int>()
        var next = 0, expected = 0
        for round in 0..<50 {
            for _ in 0..<(round % 7 == 0 ? 3000 : 40) { fifo.push(next); next += 1 }
            for _ in 0..<(round % 5 == 0 ? 2500 : 35) {
                guard let got = fifo.pop() else { break }
                #expect(got == expected)
                expected += 1
            }
            #expect(fifo.count == next - expected)
        }
        while let got = fifo.pop() { #expect(got == expected); expected += 1 }
        #expect(fifo.isEmpty && expected == next)
    }

    @Test func aPoppedElementIsLetGoAtOnce() {
        final class Held: Sendable {}
        var fifo = FIFO<Held>()
        weak var first: Held?
        do {
            let a = Held(), b = Held()
            first = a
            fifo.push(a)
            fifo.push(b)
        }
        _ = fifo.pop()
        #expect(first == nil, "the array still held the popped element")
        #expect(fifo.count == 1)
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
        let stopped = releaser.trimCount
        Thread.sleep(forTimeInterval: 0.2)
        #expect(releaser.trimCount == stopped, "trimmed after stop")
    }

    /// `stop` returns only once a trim already under way has finished, not while it still runs.
    @Test func stopWaitsForATrimUnderWay() {
        final class Flag: Sendable { let value = Atomic<Bool>(false) }
        let inTrim = DispatchSemaphore(value: 0)
        let trimming = Flag()
        let releaser = FreedMemoryReleaser(interval: 0.01) {
            trimming.value.store(true, ordering: .sequentiallyConsistent)
            inTrim.signal()
            Thread.sleep(forTimeInterval: 0.3)
            trimming.value.store(false, ordering: .sequentiallyConsistent)
        }
        releaser.start()
        #expect(inTrim.wait(timeout: .now() + 10) == .success, "no trim began")
        let began = trimming.value.load(ordering: .sequentiallyConsistent)
        #expect(began)
        releaser.stop()
        let stillTrimming = trimming.value.load(ordering: .sequentiallyConsistent)
        #expect(!stillTrimming, "stop returned while a trim was running")
    }

    @Test func intervalZeroNeverTrims() {
        let releaser = FreedMemoryReleaser(interval: 0)
        releaser.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(releaser.trimCount == 0)
        releaser.stop()
    }
}
