import CSystem
import Foundation
import TandemStore

/// A fixed set of threads for work that blocks (store reads and writes), so event-loop threads
/// never wait on SQLite. The queue is bounded, and so is each owner's part of it: when either is
/// full, `submit` refuses at once and the caller answers `unavailable` instead of letting latency
/// grow without limit.
///
/// Jobs have an owner (the user whose request it is; nil for the server's own work). Owners take
/// turns: a free thread takes the oldest job of the next owner in line, not the oldest job of all,
/// and one owner runs at most `maxRunningPerOwner` jobs at once. So one user's flood (joins replaying
/// a long session, or writes parked on a merge) never holds every thread, and another user's
/// request starts as soon as a thread is free rather than
/// behind the whole flood (docs/benchmarks.md, "One team's load beside a small team"). Each
/// owner's jobs start in the order they came.
public final class WorkPool: @unchecked Sendable {
    // Safe: `lanes`, `line`, `waiting`, `stopping` and `running` are only touched with `condition` locked.
    private let condition = MonotonicCondition()
    /// One owner's jobs waiting, oldest first, how many of its jobs run now, and whether it is in `line`.
    private struct Lane {
        var jobs = FIFO<@Sendable () -> Void>()
        var running = 0
        var inLine = false
    }
    /// Lanes by owner ("" for the server's own work); a lane leaves once it has nothing waiting or running.
    private var lanes: [String: Lane] = [:]
    /// Owners that may start a job now (jobs waiting, below their running limit), in the order they
    /// are served (an owner served goes to the back). An owner at its limit leaves the line and
    /// comes back when one of its jobs ends, so a free thread takes the front at once: O(1) per job
    /// however many owners wait.
    private var line = FIFO<String>()
    private var waiting = 0
    private var stopping = false
    private var running = 0
    public let maxQueued: Int
    /// Jobs of one owner waiting at once (the server's own work: only `maxQueued`), so one user's
    /// flood fills its own part of the queue, not everyone's.
    public let maxQueuedPerOwner: Int
    /// Jobs of one owner running at once (the server's own work is not limited).
    public let maxRunningPerOwner: Int

    public init(threads: Int, maxQueued: Int = 100_000, maxRunningPerOwner: Int? = nil, name: String = "tandem-work") {
        self.maxQueued = maxQueued
        maxQueuedPerOwner = max(1, maxQueued / 10)
        let threads = max(1, threads)
        self.maxRunningPerOwner = max(1, maxRunningPerOwner ?? threads / 2)
        for index in 0..<threads {
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

    /// Queues `job` for `owner` (nil: the server's own work); false when the queue or the owner's
    /// part of it is full, or the pool is stopping.
    @discardableResult
    public func submit(owner: String? = nil, _ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, waiting < maxQueued else { return false }
        let key = owner ?? ""
        guard key == "" || (lanes[key]?.jobs.count ?? 0) < maxQueuedPerOwner else { return false }
        var lane = lanes.removeValue(forKey: key) ?? Lane()
        lane.jobs.push(job)
        enterLineIfReady(key, &lane)
        lanes[key] = lane
        waiting += 1
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

    /// Puts `key` at the back of the line if it has jobs waiting, is below its running limit and is
    /// not in line already. Under `condition`.
    private func enterLineIfReady(_ key: String, _ lane: inout Lane) {
        guard !lane.inLine, !lane.jobs.isEmpty, key == "" || lane.running < maxRunningPerOwner else { return }
        line.push(key)
        lane.inLine = true
    }

    /// The next job a free thread may take, and its owner: the oldest job of the owner at the front
    /// of the line. Under `condition`.
    private func take() -> (job: @Sendable () -> Void, owner: String)? {
        guard let key = line.pop() else { return nil }
        var lane = lanes.removeValue(forKey: key)!
        let job = lane.jobs.pop()!
        lane.inLine = false
        lane.running += 1
        enterLineIfReady(key, &lane)
        lanes[key] = lane
        waiting -= 1
        return (job, key)
    }

    private func work() {
        while true {
            condition.lock()
            var next = take()
            while next == nil {
                if waiting == 0 && stopping {
                    running -= 1
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                condition.wait()
                next = take()
            }
            condition.unlock()
            let (job, owner) = next!
            job()
            condition.lock()
            var lane = lanes.removeValue(forKey: owner)!
            lane.running -= 1
            let wasOut = !lane.inLine
            enterLineIfReady(owner, &lane)
            if lane.running > 0 || !lane.jobs.isEmpty { lanes[owner] = lane }
            // A job of this owner waited for this one to end (its limit), with the threads asleep:
            // wake them (a signal could reach `shutdown`'s wait instead).
            if wasOut && lane.inLine { condition.broadcast() }
            condition.unlock()
        }
    }
}
