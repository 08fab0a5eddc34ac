import Foundation
import Testing
@testable import TandemTransport

private final class RecordingTarget: TimerTarget {
    var fired: [UInt64] = []
    func timerFired(generation: UInt64) { fired.append(generation) }
}

@Suite("Runtime: event loop, timers")
struct EventLoopTests {
    @Test func timerHeapPopsInDeadlineOrder() {
        var heap = TimerHeap()
        let target = RecordingTarget()
        let deadlines: [UInt64] = [50, 10, 40, 30, 20, 60, 5, 45]
        for (index, deadline) in deadlines.enumerated() {
            heap.insert(deadline: deadline, generation: UInt64(index), target: target)
        }
        #expect(heap.earliestDeadline == 5)
        var popped: [UInt64] = []
        while let entry = heap.popDue(now: 45) { popped.append(entry.deadline) }
        #expect(popped == [5, 10, 20, 30, 40, 45])
        #expect(heap.count == 2)
        #expect(heap.popDue(now: 49) == nil)
    }

    @Test func executeFromOtherThreadsAndTimersRunOnTheLoop() throws {
        let loop = try EventLoop(index: 0)
        try loop.start(name: "test")
        defer { loop.stopAndJoin() }
        let results = LockedBox([Int]())
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for item in 0..<250 {
                    loop.execute {
                        precondition(loop.inLoop)
                        results.withLock { $0.append(worker * 1000 + item) }
                    }
                }
            }
        }
        group.wait()
        #expect(eventually { results.withLock { $0.count } == 1000 })
        // Each worker's tasks ran in the order it queued them.
        let all = results.withLock { $0 }
        for worker in 0..<4 {
            let mine = all.filter { $0 / 1000 == worker }
            #expect(mine == mine.sorted())
        }
        // Timers fire in deadline order, not in scheduling order, and not early.
        let fired = LockedBox([(Int, Double)]())
        let start = Date()
        loop.execute {
            loop.schedule(afterNanoseconds: 60_000_000) { fired.withLock { $0.append((2, Date().timeIntervalSince(start))) } }
            loop.schedule(afterNanoseconds: 20_000_000) { fired.withLock { $0.append((1, Date().timeIntervalSince(start))) } }
        }
        #expect(eventually { fired.withLock { $0.count } == 2 })
        let order = fired.withLock { $0 }
        #expect(order.map(\.0) == [1, 2])
        #expect(order[0].1 >= 0.019 && order[1].1 >= 0.059)
        #expect(!loop.inLoop)
    }

    /// A task handed to a loop whose thread has ended (a work thread answering after a shutdown) is
    /// dropped at once: kept, it held what it captured for good (a connection, and through it the
    /// loop and the server's application and database).
    @Test func aTaskHandedOverAfterTheLoopEndedIsDropped() throws {
        let loop = try EventLoop(index: 0)
        try loop.start(name: "test")
        loop.stopAndJoin()
        weak var captured: LockedBox<Int>?
        do {
            let box = LockedBox(0)
            captured = box
            loop.execute { box.withLock { $0 += 1 } }
        }
        #expect(captured == nil, "the ended loop keeps a task it will never run")
    }
}

/// A poller that reports a scripted set of ready descriptors, at most `batchCapacity` per call,
/// each once; `wake` is real (a condition), so the loop can be stopped.
// Safe: `ready` and `woken` are guarded by `condition`.
private final class ScriptedPoller: Poller, @unchecked Sendable {
    let batchCapacity: Int
    let wakeDescriptor: Int32 = 9_999
    private let condition = NSCondition()
    private var ready: [Int32] = []
    private var woken = false

    init(batchCapacity: Int) { self.batchCapacity = batchCapacity }

    func makeReady(_ fds: [Int32]) {
        condition.withLock {
            ready += fds
            condition.signal()
        }
    }

    func register(_ fd: Int32, interest: PollInterest) throws(TransportError) {}
    func modify(_ fd: Int32, interest: PollInterest) throws(TransportError) {}
    func deregister(_ fd: Int32) {}
    func drainWakeups() {}
    func close() {}

    func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    func poll(timeoutMilliseconds: Int32, _ body: (Int32, PollEvents) -> Void) throws(TransportError) -> Int {
        let batch: [Int32] = condition.withLock {
            if ready.isEmpty && !woken && timeoutMilliseconds != 0 {
                if timeoutMilliseconds < 0 {
                    condition.wait()
                } else {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(timeoutMilliseconds) / 1000))
                }
            }
            var out: [Int32] = []
            if woken {
                woken = false
                out.append(wakeDescriptor)
            }
            let take = min(batchCapacity - out.count, ready.count)
            out += ready.prefix(take)
            ready.removeFirst(take)
            return out
        }
        for fd in batch { body(fd, fd == wakeDescriptor ? [] : .readable) }
        return batch.count
    }
}

/// Counts handled descriptors and records, at each end of turn, how many were handled so far.
// Safe: `handled` is touched only on the loop thread; `totals` is locked.
private final class TurnRecorder: LoopHandler, EndOfTurnWork, @unchecked Sendable {
    let loop: EventLoop
    let totals = LockedBox([Int]())
    private var handled = 0
    init(loop: EventLoop) { self.loop = loop }

    func handle(_ events: PollEvents) {
        handled += 1
        loop.runAtEndOfTurn(self)
    }

    func endOfTurn() {
        let count = handled
        totals.withLock { $0.append(count) }
    }
}

@Suite("Runtime: a loaded turn takes several poll batches")
struct LoadedTurnTests {
    @Test func aTurnTakesFullBatchesUpToItsLimitAndRunsEndOfTurnWorkOnce() throws {
        let poller = ScriptedPoller(batchCapacity: 4)
        let loop = try EventLoop(index: 0, poller: poller, maxEventsPerTurn: 10)
        try loop.start(name: "test")
        defer { loop.stopAndJoin() }
        let recorder = TurnRecorder(loop: loop)
        let registered = LockedBox(false)
        loop.execute {
            for fd in Int32(100)..<122 { try? loop.register(fd, interest: .read, handler: recorder) }
            registered.withLock { $0 = true }
        }
        #expect(eventually { registered.withLock { $0 } })
        // 22 ready at once: the first turn polls 4 + 4 + 4 (stops at 12 >= 10), the second 4 + 4 + 2
        // (a short batch means nothing more is ready). End-of-turn work runs once per turn, after all.
        poller.makeReady(Array(Int32(100)..<122))
        #expect(eventually { recorder.totals.withLock { $0.last } == 22 })
        #expect(recorder.totals.withLock { $0 } == [12, 22])
    }
}
