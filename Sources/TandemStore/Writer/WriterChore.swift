import Foundation

/// Work the writer does between jobs, one bounded step per transaction of its own (today:
/// removing deleted sessions' rows, see `SessionReaper`), and when each step is due: while the
/// writer is idle, at once when it served nothing else since the last step, else after a pause
/// of `pause` times the last step's duration (`StepPause`); at least every `busyInterval` while
/// jobs keep the queue from ever emptying; a second after a failed step. Other threads can wait
/// until nothing is left (`awaitDone`).
// Safe: the schedule (`due`, `lastEnded`, `lastTook`, `lastFailed`, `writerDidAtEnd`) is
// touched only by the writer thread; what waiters read (`published`) is guarded by `condition`.
final class WriterChore: @unchecked Sendable {
    /// One step: returns whether work is left.
    let step: @Sendable (WriteContext) throws(StoreError) -> Bool
    private let pause: Double
    /// `StoreConfiguration.adaptiveStepPause`: false pauses after every step, idle or not.
    private let adaptive: Bool
    private let busyInterval: Duration
    /// Whether the WAL is too long for another step now (see `init`).
    private let walIsLong: @Sendable () -> Bool
    private var due: Bool
    private var lastEnded = ContinuousClock.now
    private var lastTook: Duration = .zero
    private var lastFailed = false
    /// The writer's counters when the last step ended (see `wait`).
    private var writerDidAtEnd = WriterActivity()

    private let condition = MonotonicCondition()
    private var published: (due: Bool, failure: StoreError?, stopped: Bool)

    /// `due`: whether there is work at start. `pause`: see above (0: back to back when idle).
    /// `adaptive`: whether an idle writer skips the pause (see `StepPause`).
    /// `walIsLong`: while true, steps wait `busyInterval` apart even when the writer is idle, so
    /// that a checkpoint can catch up and the WAL start over (steps back to back never let it, and
    /// past the writer's own bound a commit runs a checkpoint itself, 100 ms and more).
    init(due: Bool, pause: Double, adaptive: Bool = true, busyInterval: Duration = .milliseconds(100),
         walIsLong: @escaping @Sendable () -> Bool = { false },
         step: @escaping @Sendable (WriteContext) throws(StoreError) -> Bool) {
        self.step = step
        self.walIsLong = walIsLong
        self.pause = max(0, pause)
        self.adaptive = adaptive
        self.busyInterval = busyInterval
        self.due = due
        published = (due, nil, false)
    }

    /// Writer thread: how long until the next step is due (zero or less: now); nil when
    /// nothing is left. `idle`: the queue is empty; `writerDid`: the writer's counters now
    /// (`StoreWriter.activity`; what it served since the last step ended is their difference).
    func wait(idle: Bool, writerDid: WriterActivity) -> Duration? {
        guard due else { return nil }
        let gap: Duration
        if lastFailed {
            gap = .seconds(1)
        } else if idle {
            gap = StepPause.after(step: lastTook, factor: pause, others: writerDid.since(writerDidAtEnd),
                                  sharedRecently: StepPause.isRecent(writerDid.lastServed, now: .now), adaptive: adaptive,
                                  walIsLong: walIsLong(), walWait: busyInterval).pause
        } else {
            gap = busyInterval
        }
        return gap - (ContinuousClock.now - lastEnded)
    }

    /// Writer thread: a committed batch left work. Call before its jobs learn of the commit, so
    /// that one of them waiting with `awaitDone` right after sees the work.
    func noteWork() {
        guard !due else { return }
        due = true
        publish(failure: nil)
    }

    /// Writer thread: a step that began at `started` ended with `outcome` (whether work is left);
    /// `writerDid`: the writer's counters then.
    func finished(started: ContinuousClock.Instant, _ outcome: Result<Bool, StoreError>, writerDid: WriterActivity) {
        lastEnded = .now
        lastTook = lastEnded - started
        writerDidAtEnd = writerDid
        switch outcome {
        case .success(let more):
            due = more
            lastFailed = false
            publish(failure: nil)
        case .failure(let error):
            due = true
            lastFailed = true
            publish(failure: error)
        }
    }

    /// Writer thread: no more steps will run (the writer is stopping).
    func stop() {
        condition.lock()
        published.stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until no work is left. Throws the error of the last step when it failed (the
    /// writer retries it a second later), and `closed` when the writer stops first.
    func awaitDone() throws(StoreError) {
        condition.lock()
        defer { condition.unlock() }
        while published.due && published.failure == nil && !published.stopped { condition.wait() }
        if let failure = published.failure { throw failure }
        if published.due { throw StoreError(.closed, "the store closed before deleted sessions' rows were removed") }
    }

    private func publish(failure: StoreError?) {
        condition.lock()
        published.due = due
        published.failure = failure
        condition.broadcast()
        condition.unlock()
    }
}
