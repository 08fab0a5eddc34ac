#if canImport(Glibc)
import Glibc
#endif

/// Something a loop timer calls back. `generation` lets an owner invalidate
/// earlier entries cheaply: an entry fires only if its generation is still current.
protocol TimerTarget: AnyObject {
    func timerFired(generation: UInt64)
}

/// A binary min-heap of deadlines (monotonic nanoseconds), one per loop, checked each
/// turn; the earliest deadline bounds epoll_wait's timeout. Stale entries are not removed
/// eagerly: they fire, and the target ignores them by generation.
struct TimerHeap {
    struct Entry {
        var deadline: UInt64
        var generation: UInt64
        var target: any TimerTarget
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var earliestDeadline: UInt64? { entries.first?.deadline }

    mutating func insert(deadline: UInt64, generation: UInt64, target: any TimerTarget) {
        entries.append(Entry(deadline: deadline, generation: generation, target: target))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if entries[parent].deadline <= entries[child].deadline { break }
            entries.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(now: UInt64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if entries.isEmpty { return first }
        entries[0] = last
        var parent = 0
        let count = entries.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var smallest = left
            let right = left + 1
            if right < count && entries[right].deadline < entries[left].deadline { smallest = right }
            if entries[parent].deadline <= entries[smallest].deadline { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    mutating func removeAll() { entries.removeAll() }
}

/// Monotonic clock in nanoseconds.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
