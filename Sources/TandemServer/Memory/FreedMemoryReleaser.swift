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
// @unchecked Sendable: `timer` is only touched under `lock`; `trims` is a Sendable counter.
final class FreedMemoryReleaser: @unchecked Sendable {
    private let interval: Double
    private let lock = NSLock()
    private var timer: (any DispatchSourceTimer)?
    private let trims = TrimCounter()

    private final class TrimCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// `interval` 0 turns the releaser off.
    init(interval: Double) {
        self.interval = interval
    }

    /// How many times it has returned freed memory so far.
    var trimCount: Int { trims.value.load(ordering: .relaxed) }

    func start() {
        guard interval > 0 else { return }
        let source = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(Int(interval * 100)))
        source.setEventHandler { [trims] in
            Allocator.releaseFreedMemory()
            trims.value.add(1, ordering: .relaxed)
        }
        lock.withLock {
            timer?.cancel()
            timer = source
        }
        source.resume()
    }

    func stop() {
        lock.withLock {
            timer?.cancel()
            timer = nil
        }
    }
}
