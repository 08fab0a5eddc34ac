import Dispatch
import Foundation
import Synchronization

/// Hands memory the allocator keeps after a burst back to the system, every `interval` seconds.
///
/// A burst on a work thread (a join that replays a large backlog, an export) leaves tens of MiB
/// free in the allocator. jemalloc returns free pages after a decay time, but that clock only
/// advances while the process allocates, so a server that goes quiet after a burst would keep them
/// (with glibc's malloc, before jemalloc, RSS was measured 35 → 237 MiB over ten refused 32 MiB
/// replays, none of it in use). Purging every arena releases free pages without moving anything;
/// it runs on a timer thread and costs a few milliseconds at worst, so once every half minute is noise.
// Safe: `timer` and `cancelled` are only touched under `lock`; `trims` is a Sendable counter; the rest is immutable.
final class FreedMemoryReleaser: @unchecked Sendable {
    private let interval: Double
    private let release: @Sendable () -> Void
    private let lock = NSLock()
    private var timer: (any DispatchSourceTimer)?
    /// Signalled by the timer's cancel handler, which runs only once a trim in progress has returned.
    private var cancelled: DispatchSemaphore?
    private let trims = TrimCounter()

    private final class TrimCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// `interval` 0 turns the releaser off. `release` is the trim itself (tests replace it).
    init(interval: Double, release: @escaping @Sendable () -> Void = { _ = Allocator.releaseFreedMemory() }) {
        self.interval = interval
        self.release = release
    }

    /// How many times it has returned freed memory so far.
    var trimCount: Int { trims.value.load(ordering: .relaxed) }

    func start() {
        guard interval > 0 else { return }
        stop()
        let source = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        let cancelled = DispatchSemaphore(value: 0)
        source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(Int(interval * 100)))
        source.setEventHandler { [trims, release] in
            release()
            trims.value.add(1, ordering: .relaxed)
        }
        source.setCancelHandler { cancelled.signal() }
        lock.withLock {
            timer = source
            self.cancelled = cancelled
        }
        source.resume()
    }

    /// Stops the timer and returns once a trim already running has finished: after `stop`, no
    /// trim runs (the server stops it before it tears down what the allocator's threads use).
    func stop() {
        let (source, cancelled) = lock.withLock {
            defer {
                timer = nil
                self.cancelled = nil
            }
            return (timer, self.cancelled)
        }
        guard let source, let cancelled else { return }
        source.cancel()
        cancelled.wait()
    }
}
