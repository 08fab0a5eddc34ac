#if canImport(Glibc)
import Glibc
#endif

/// Groups the wake-ups of the sends one thread makes off the event loops.
///
/// Without it every `send`, `broadcast` or `close` from a non-loop thread wakes its loop at once, so
/// the loop flushes after the first frame and a burst of N events costs N wake-ups and N writes per
/// recipient. Inside `collect`, each call is still queued on its loop at once — so the order of
/// everything any thread hands a loop is kept, which the session fan-out relies on — but the loops
/// are only woken when the body returns: a loop that was idle then runs the whole burst in one turn
/// and flushes each connection once (one `writev` for all its frames). A loop that is busy anyway
/// may pick the tasks up earlier; that only costs the coalescing, never the order.
///
/// Consecutive broadcasts of a batch to the same connections of a loop become one `BroadcastRun`
/// (one task; each member queues the frames as one buffer), and `sendAfterBatch` frames are
/// queued when the batch ends, so they do not split such a run.
public enum SendBatch {
    /// Runs `body` with this thread's off-loop sends queued without waking their loops, then wakes
    /// each loop once. Nested calls join the outermost batch.
    public static func collect<T>(_ body: () throws -> T) rethrows -> T {
        if Collector.current != nil { return try body() }
        let collector = Collector()
        Collector.current = collector
        defer {
            collector.sendLateFrames()
            Collector.current = nil
            collector.wakeLoops()
        }
        return try withExtendedLifetime(collector) { try body() }
    }
}

/// The loops one `SendBatch.collect` queued work on and still has to wake.
final class Collector {
    private var loops: [EventLoop] = []
    /// The run this batch last queued on each loop (it may still take more frames).
    private var runs: [(loop: EventLoop, run: BroadcastRun)] = []
    /// Frames to queue when the batch ends (`WebSocketConnection.sendAfterBatch`), by loop, each
    /// loop's in the order they were sent.
    private var late: [(loop: EventLoop, frames: [(connection: WebSocketConnection, frame: SharedFrame)])] = []

    /// Queues `task` on `loop` now, in order with everything else queued there; wakes it later.
    func add(_ task: @escaping @Sendable () -> Void, on loop: EventLoop) {
        loop.enqueueWithoutWake(task)
        note(loop)
    }

    /// Queues the broadcast of `frame` to `members` (all on `loop`) now, in order with everything
    /// else queued there: added to the run queued last if it goes to the same members.
    func addBroadcast(_ frame: SharedFrame, to members: [WebSocketConnection], on loop: EventLoop) {
        // Few loops (one per core): a linear scan beats hashing.
        let index = runs.firstIndex { $0.loop === loop }
        if let index, runs[index].run.isFor(members), loop.append(frame, to: runs[index].run) { return }
        let run = BroadcastRun(first: frame, members: members)
        loop.enqueueWithoutWake(run)
        if let index { runs[index].run = run } else { runs.append((loop, run)) }
        note(loop)
    }

    func addLate(_ frame: SharedFrame, to connection: WebSocketConnection) {
        let loop = connection.loop
        // Few loops (one per core): a linear scan beats hashing.
        if let index = late.firstIndex(where: { $0.loop === loop }) {
            late[index].frames.append((connection, frame))
        } else {
            late.append((loop, [(connection, frame)]))
        }
    }

    /// Queues the `late` frames: one task per loop queues that loop's in the order they were sent.
    /// (A task per frame cost an allocation, a turn of the task lock and a call for every answer.)
    /// Only connections off the calling thread's loop are here (`sendAfterBatch`), so the task is
    /// what `send` would have queued for each of them.
    func sendLateFrames() {
        if late.isEmpty { return }
        let byLoop = late
        late.removeAll()
        for (loop, frames) in byLoop {
            add({ for (connection, frame) in frames { connection.enqueue(frame) } }, on: loop)
        }
    }

    private func note(_ loop: EventLoop) {
        if !loops.contains(where: { $0 === loop }) { loops.append(loop) }
    }

    func wakeLoops() {
        for loop in loops { loop.wakeForQueuedTasks() }
        loops.removeAll()
    }

    /// The collector of the calling thread, if it is inside `SendBatch.collect`.
    static var current: Collector? {
        get {
            guard let raw = pthread_getspecific(collectorKey) else { return nil }
            // Safe: unmanaged: `collect` keeps the collector alive while the key points at it.
            return Unmanaged<Collector>.fromOpaque(raw).takeUnretainedValue()
        }
        set {
            // Safe: unmanaged, unretained: `collect` owns the collector and clears the key before releasing it.
            pthread_setspecific(collectorKey, newValue.map { Unmanaged.passUnretained($0).toOpaque() })
        }
    }
}

/// Thread-specific slot for the current collector (no Swift thread-local storage on Linux).
private let collectorKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
    return key
}()
