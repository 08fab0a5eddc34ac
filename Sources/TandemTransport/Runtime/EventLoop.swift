import CSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Something registered with a loop for readiness events on one descriptor.
protocol LoopHandler: AnyObject {
    func handle(_ events: PollEvents)
}

/// Something that wants one flush at the end of the current loop turn
/// (so frames queued by many broadcasts go out in one writev).
protocol FlushTarget: AnyObject {
    func flushAtEndOfTurn()
}

/// Work an application wants done once at the end of a loop turn, after the turn's reads, tasks
/// and timers and before its writes (for example, handing everything the turn's messages queued
/// to another thread with one wake-up instead of one per message).
public protocol EndOfTurnWork: AnyObject {
    func endOfTurn()
}

/// One event-loop thread: a poller, a timer heap, a cross-thread task queue woken by eventfd,
/// and a scratch read buffer shared by every connection on the loop (so idle connections
/// hold no read buffer of their own).
// Safe: everything but `tasks` (guarded by `taskLock`) and the poller's wake-up is confined to the loop thread; debug builds assert it.
public final class EventLoop: @unchecked Sendable {
    /// Position of this loop in its group (0-based).
    public let index: Int
    let poller: any Poller
    private let taskLock = TransportLock()
    private var tasks: [() -> Void] = []
    /// Tasks ever queued, and how many of them the loop has taken (both under `taskLock`): a
    /// `BroadcastRun` may grow only while it is the last task queued and not yet taken.
    private var tasksQueued: UInt64 = 0
    private var tasksTaken: UInt64 = 0
    private var wakePending = false
    /// Set (under `taskLock`) as the loop thread ends: tasks handed over later are dropped, not kept
    /// (a kept one held its connection, and through it the loop: a cycle no one would ever run).
    private var ended = false
    /// Set (under `taskLock`) by the one `stopAndJoin` that joins the thread: joining a thread twice
    /// is undefined behaviour, so a second call returns at once.
    private var joinClaimed = false
    private var thread: pthread_t?
    private var running = false
    private var handlers: [(any LoopHandler)?] = []
    private var timers = TimerHeap()
    private var flushQueue: [any FlushTarget] = []
    /// Flushes held back by a write-coalescing window, all released at `heldDeadline`.
    private var heldFlushes: [any FlushTarget] = []
    private var heldDeadline: UInt64?
    /// Application work for the end of this turn, each object once.
    private var endOfTurnWork: [any EndOfTurnWork] = []
    /// Monotonic time of the current turn (cheap "now" for activity stamps).
    private(set) var now: UInt64 = monotonicNanoseconds()
    /// Scratch space for reads; valid only during one handler call.
    // Safe: loop-owned buffer, only used synchronously on the loop thread.
    let scratch: UnsafeMutableRawBufferPointer
    /// Staging for coalesced writes of small frames; valid only during one flush.
    // Safe: loop-owned buffer, only used synchronously on the loop thread.
    let writeStaging: UnsafeMutableRawBufferPointer

    /// Readiness events one turn takes before its tasks, timers and writes (see
    /// `TransportConfiguration.maxEventsPerTurn`).
    let maxEventsPerTurn: Int

    init(index: Int, poller: (any Poller)? = nil, scratchSize: Int = 64 * 1024, maxEventsPerTurn: Int = 4096) throws(TransportError) {
        self.index = index
        self.maxEventsPerTurn = max(1, maxEventsPerTurn)
        if let poller { self.poller = poller } else { self.poller = try EpollPoller() }
        scratch = .allocate(byteCount: scratchSize, alignment: 16)
        writeStaging = .allocate(byteCount: 64 * 1024, alignment: 16)
        handlers = Array(repeating: nil, count: 1024)
    }

    deinit {
        // Closed here, not when the thread ends: a thread that queued a task then (a work thread
        // answering late) still wakes the loop, and a closed eventfd's number may belong to another
        // file by then (a database the next server opened), which the wake-up's 8 bytes would hit.
        poller.close()
        scratch.deallocate()
        writeStaging.deallocate()
    }

    /// True on this loop's own thread.
    public var inLoop: Bool {
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// True if `thread` is this loop's thread (lets a caller look up pthread_self() once for many checks).
    @inline(__always)
    func isThread(_ other: pthread_t) -> Bool {
        guard let thread else { return false }
        return pthread_equal(thread, other) != 0
    }

    /// Debug-only check that loop-confined state is touched on the loop thread.
    @inline(__always)
    func assertInLoop(file: StaticString = #file, line: UInt = #line) {
        #if DEBUG
        precondition(inLoop, "loop-confined state touched off its loop", file: file, line: line)
        #endif
    }

    // MARK: Cross-thread

    /// Runs `task` on the loop thread, soon. Callable from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        enqueue(task)
    }

    /// Runs `task` now if already on the loop, otherwise hands it over.
    func executeOrRun(_ task: @escaping @Sendable () -> Void) {
        if inLoop { task() } else { enqueue(task) }
    }

    /// Queues `task` without waking the loop (a `SendBatch` wakes each loop once at its end).
    /// Queuing now, not at the wake-up, keeps the order of everything handed to the loop from any
    /// thread: a task queued here runs before any task queued after it by anyone.
    func enqueueWithoutWake(_ task: @escaping @Sendable () -> Void) {
        taskLock.withLock {
            guard !ended else { return }
            tasks.append(task)
            tasksQueued &+= 1
        }
    }

    /// Queues `run`'s delivery without waking the loop (see `enqueueWithoutWake`).
    func enqueueWithoutWake(_ run: BroadcastRun) {
        taskLock.withLock {
            guard !ended else { return }
            tasks.append { run.deliver() }
            tasksQueued &+= 1
            run.position = tasksQueued
        }
    }

    /// Adds `frame` to `run` if the run is still the last task queued here and the loop has not
    /// taken it: exactly as if the frame's broadcast were queued right behind it. False otherwise
    /// (the caller then queues a new run).
    func append(_ frame: SharedFrame, to run: BroadcastRun) -> Bool {
        taskLock.withLock {
            guard run.position == tasksQueued, tasksTaken < run.position else { return false }
            run.appendUnderTaskLock(frame)
            return true
        }
    }

    /// How many tasks were queued here so far (the tests count a batch's tasks per loop).
    var queuedTaskCount: UInt64 { taskLock.withLock { tasksQueued } }

    /// Wakes the loop if tasks are waiting and no wake-up is pending yet.
    func wakeForQueuedTasks() {
        let needsWake = taskLock.withLock { () -> Bool in
            if wakePending || tasks.isEmpty { return false }
            wakePending = true
            return true
        }
        if needsWake { poller.wake() }
    }

    private func enqueue(_ task: @escaping () -> Void) {
        let needsWake = taskLock.withLock { () -> Bool in
            if ended { return false }
            tasks.append(task)
            tasksQueued &+= 1
            if wakePending { return false }
            wakePending = true
            return true
        }
        if needsWake { poller.wake() }
    }

    private func runTasks() {
        let batch = taskLock.withLock { () -> [() -> Void] in
            wakePending = false
            if tasks.isEmpty { return [] }
            tasksTaken = tasksQueued
            let current = tasks
            tasks.removeAll(keepingCapacity: true)
            return current
        }
        for task in batch { task() }
    }

    private var hasTasks: Bool { taskLock.withLock { !tasks.isEmpty } }

    // MARK: Loop-confined registration

    func register(_ fd: Int32, interest: PollInterest, handler: any LoopHandler) throws(TransportError) {
        assertInLoop()
        try poller.register(fd, interest: interest)
        let slot = Int(fd)
        if slot >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: max(slot + 1 - handlers.count, handlers.count)))
        }
        handlers[slot] = handler
    }

    func modify(_ fd: Int32, interest: PollInterest) {
        assertInLoop()
        try? poller.modify(fd, interest: interest)
    }

    /// Removes the descriptor from the poller (the caller closes it).
    func deregister(_ fd: Int32) {
        assertInLoop()
        poller.deregister(fd)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    /// Schedules `target.timerFired(generation:)` at `deadline` (monotonic ns).
    func schedule(deadline: UInt64, generation: UInt64, target: any TimerTarget) {
        assertInLoop()
        timers.insert(deadline: deadline, generation: generation, target: target)
    }

    /// Schedules a one-shot closure after `delay` nanoseconds.
    func schedule(afterNanoseconds delay: UInt64, _ body: @escaping () -> Void) {
        schedule(deadline: monotonicNanoseconds() + delay, generation: 0, target: ClosureTimer(body))
    }

    /// Asks for `target.flushAtEndOfTurn()` once this turn's events, tasks and timers are done.
    func requestFlush(_ target: any FlushTarget) {
        flushQueue.append(target)
    }

    /// Asks for `target.flushAtEndOfTurn()` at the end of the first turn at or after `deadline`
    /// (monotonic ns). Held flushes share one deadline, the earliest asked for, so none waits
    /// longer than it asked, and a burst of them is released together.
    func requestFlush(_ target: any FlushTarget, notBefore deadline: UInt64) {
        heldFlushes.append(target)
        heldDeadline = min(heldDeadline ?? deadline, deadline)
    }

    private func earliest(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    private func releaseHeldFlushes() {
        guard let deadline = heldDeadline, now >= deadline else { return }
        flushQueue.append(contentsOf: heldFlushes)
        heldFlushes.removeAll(keepingCapacity: true)
        heldDeadline = nil
    }

    /// Asks for `work.endOfTurn()` once, at the end of the current turn (after reads, tasks and
    /// timers, before the turn's writes). Loop thread only; asking again in the same turn is free.
    public func runAtEndOfTurn(_ work: any EndOfTurnWork) {
        assertInLoop()
        if endOfTurnWork.contains(where: { $0 === work }) { return }
        endOfTurnWork.append(work)
    }

    private func runEndOfTurnWork() {
        guard !endOfTurnWork.isEmpty else { return }
        let work = endOfTurnWork
        endOfTurnWork.removeAll(keepingCapacity: true)
        for item in work { item.endOfTurn() }
    }

    // MARK: Thread

    /// Starts the loop thread and returns once it runs.
    func start(name: String) throws(TransportError) {
        let ready = DispatchSemaphore(value: 0)
        // Safe: the box is retained once here and released exactly once: taken by the new thread, or released below if pthread_create fails
        let box = Unmanaged.passRetained(ThreadStart { [self] in
            tandem_name_current_thread(name)
            self.thread = pthread_self()
            self.running = true
            ready.signal()
            self.run()
        })
        var tid = pthread_t()
        let result = pthread_create(&tid, nil, { raw in
            // Safe: takes the one retain passRetained made above (raw is that box, never nil)
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            start.body()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw TransportError("pthread_create", code: result)
        }
        ready.wait()
    }

    /// Stops the loop after the current turn and waits for its thread to end. Only the first call
    /// waits; a later one (from any thread) returns at once.
    func stopAndJoin() {
        guard let thread else { return }
        if inLoop {
            running = false
            return
        }
        let claimed = taskLock.withLock { () -> Bool in
            if joinClaimed { return false }
            joinClaimed = true
            return true
        }
        guard claimed else { return }
        execute { [self] in self.running = false }
        pthread_join(thread, nil)
    }

    private func run() {
        while running {
            var timeout: Int32 = -1
            if !flushQueue.isEmpty || hasTasks {
                timeout = 0
            } else if let deadline = earliest(timers.earliestDeadline, heldDeadline) {
                let current = monotonicNanoseconds()
                timeout = deadline <= current ? 0 : Int32(min((deadline - current + 999_999) / 1_000_000, 60_000))
            }
            var stamped = false
            do {
                // A full batch means more descriptors are ready: under load, take them in this turn
                // too (up to `maxEventsPerTurn`), so the turn's messages reach the application, its
                // end-of-turn work and each connection's single write together: bigger groups, fewer
                // writes per frame. An idle or lightly loaded loop sees one short batch, as before.
                var taken = 0
                var reported = 0
                repeat {
                    reported = try poller.poll(timeoutMilliseconds: taken == 0 ? timeout : 0) { fd, events in
                        // The wait may have been long: refresh "now" before any handler stamps activity or arms timers.
                        if !stamped {
                            now = monotonicNanoseconds()
                            stamped = true
                        }
                        if fd == poller.wakeDescriptor {
                            poller.drainWakeups()
                        } else if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
                            handler.handle(events)
                        }
                    }
                    taken += reported
                } while reported == poller.batchCapacity && taken < maxEventsPerTurn && running
            } catch {
                logTransportError("event loop \(index): \(error)")
                break
            }
            now = monotonicNanoseconds()
            runTasks()
            while let entry = timers.popDue(now: now) {
                entry.target.timerFired(generation: entry.generation)
            }
            runEndOfTurnWork()
            releaseHeldFlushes()
            flushPending()
        }
        // Loop ending: runs the tasks queued so far (no more are taken), then drops what it owned
        // (what those tasks armed or queued included) so connections and listeners are released.
        taskLock.withLock { ended = true }
        runTasks()
        runEndOfTurnWork()
        timers.removeAll()
        flushQueue.removeAll()
        heldFlushes.removeAll()
        endOfTurnWork.removeAll()
        handlers.removeAll()
    }

    private func flushPending() {
        var index = 0
        // Flushing may queue more (a close after an overflow); keep going until empty.
        while index < flushQueue.count {
            flushQueue[index].flushAtEndOfTurn()
            index += 1
        }
        flushQueue.removeAll(keepingCapacity: true)
    }
}

private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

private final class ClosureTimer: TimerTarget {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
    func timerFired(generation: UInt64) { body() }
}
