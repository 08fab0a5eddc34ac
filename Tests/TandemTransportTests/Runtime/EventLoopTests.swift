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
}
