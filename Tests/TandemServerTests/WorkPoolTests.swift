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
}
