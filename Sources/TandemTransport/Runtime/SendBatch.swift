#if canImport(Glibc)
import Glibc
#endif

/// Groups the sends one thread makes off the event loops into one hand-over per loop.
///
/// Without it every `send`, `broadcast` or `close` from a non-loop thread is its own task and may
/// wake its loop at once, so the loop flushes after the first frame and a burst of N events costs
/// N wake-ups and N writes per recipient. Inside `collect`, those calls are only recorded; when the
/// body returns, each loop gets one task with everything for it, in call order, and flushes each
/// connection once (one `writev` for all its frames). Order per connection is kept: one thread's
/// calls reach a loop in the order they were made, and successive batches reach it in order.
public enum SendBatch {
    /// Runs `body` with this thread's off-loop sends collected, then hands them to their loops.
    /// Nested calls join the outermost batch.
    public static func collect<T>(_ body: () throws -> T) rethrows -> T {
        if Collector.current != nil { return try body() }
        let collector = Collector()
        Collector.current = collector
        defer {
            Collector.current = nil
            collector.handOver()
        }
        return try withExtendedLifetime(collector) { try body() }
    }
}

/// The sends recorded by one `SendBatch.collect`, grouped by loop.
final class Collector {
    enum Item: Sendable {
        case one(SharedFrame, WebSocketConnection)
        case many(SharedFrame, [WebSocketConnection])
        case task(@Sendable () -> Void)
    }

    private var groups: [(loop: EventLoop, items: [Item])] = []

    func add(_ item: Item, on loop: EventLoop) {
        // Few loops (one per core): a linear scan beats hashing.
        for index in groups.indices where groups[index].loop === loop {
            groups[index].items.append(item)
            return
        }
        groups.append((loop, [item]))
    }

    func handOver() {
        for group in groups {
            let items = group.items
            group.loop.execute {
                for item in items {
                    switch item {
                    case .one(let frame, let connection): connection.enqueue(frame)
                    case .many(let frame, let members): for member in members { member.enqueue(frame) }
                    case .task(let task): task()
                    }
                }
            }
        }
        groups.removeAll()
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
