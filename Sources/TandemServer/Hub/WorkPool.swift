import CSystem
import Foundation
import TandemStore

/// A fixed set of threads for work that blocks (store reads and writes), so event-loop threads
/// never wait on SQLite. The queue is bounded: when it is full, `submit` refuses at once and the
/// caller answers `unavailable` instead of letting latency grow without limit.
public final class WorkPool: @unchecked Sendable {
    // @unchecked: `queue` and `stopping` are only touched with `condition` locked.
    private let condition = MonotonicCondition()
    /// Jobs from `head` on wait; those before it ran and were let go (nil) when taken: a job ran but
    /// kept until the next compaction (1,024 jobs later) kept what it captured, the connection and
    /// through it the whole server, which a pool that stopped then never released.
    private var queue: [(@Sendable () -> Void)?] = []
    private var head = 0
    private var stopping = false
    private var running = 0
    public let maxQueued: Int

    public init(threads: Int, maxQueued: Int = 100_000, name: String = "tandem-work") {
        self.maxQueued = maxQueued
        for index in 0..<max(1, threads) {
            let threadName = "\(name)-\(index)"
            // Foundation does not pass `Thread.name` to the kernel on Linux: named from inside.
            let thread = Thread { [self] in
                tandem_name_current_thread(threadName)
                self.work()
            }
            thread.name = threadName
            thread.stackSize = 1 << 20
            running += 1
            thread.start()
        }
    }

    /// Queues `job`; false when the queue is full or the pool is stopping.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, queue.count - head < maxQueued else { return false }
        queue.append(job)
        condition.signal()
        return true
    }

    /// Runs what is queued, then stops the threads and waits for them.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue[head].take()
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job?()
        }
    }
}
