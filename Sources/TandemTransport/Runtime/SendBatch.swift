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
public enum SendBatch {
    /// Runs `body` with this thread's off-loop sends queued without waking their loops, then wakes
    /// each loop once. Nested calls join the outermost batch.
    public static func collect<T>(_ body: () throws -> T) rethrows -> T {
        if Collector.current != nil { return try body() }
        let collector = Collector()
        Collector.current = collector
        defer {
            Collector.current = nil
            collector.wakeLoops()
        }
        return try withExtendedLifetime(collector) { try body() }
    }
}

/// The loops one `SendBatch.collect` queued work on and still has to wake.
final class Collector {
    private var loops: [EventLoop] = []

    /// Queues `task` on `loop` now, in order with everything else queued there; wakes it later.
    func add(_ task: @escaping @Sendable () -> Void, on loop: EventLoop) {
        loop.enqueueWithoutWake(task)
        // Few loops (one per core): a linear scan beats hashing.
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
            // Unmanaged: `collect` keeps the collector alive while the key points at it.
            return Unmanaged<Collector>.fromOpaque(raw).takeUnretainedValue()
        }
        set {
            // Unmanaged, unretained: `collect` owns the collector and clears the key before releasing it.
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
