/// The connections with an expiry (a share link's, a token's) by when they expire, so the access
/// watcher takes off only those due: with every token given an expiry, that is every connection,
/// and walking them all each tick cost O(connections) four times a second under the registry's lock.
///
/// Deletion is lazy: a connection unwatched, or watched again at another instant, leaves its old
/// heap entry behind, dropped when it comes up (its id is no longer watched, or at another
/// instant). So that a closed connection's entry does not hold memory until its far-future
/// expiry, the heap is rebuilt from the watched ones when stale entries outnumber them (O(n) after
/// at least n changes: O(1) a change, amortized). Pure value.
struct ExpirySchedule<Item> {
    private var watched: [UInt64: (at: Int64, item: Item)] = [:]
    private var heap = DeadlineHeap()
    /// Heap entries taken off so far, due or stale: what the watcher's ticks have cost.
    private(set) var examined = 0

    init() {}

    /// Connections watched.
    var count: Int { watched.count }
    /// Heap entries held, stale ones included (never more than twice `count`).
    var storage: Int { heap.count }
    /// No later than the earliest deadline watched (a stale entry may make it earlier); nil: none.
    var next: Int64? { heap.min?.at }

    /// Has `id` expire at `at` (replacing the instant it had).
    mutating func watch(_ id: UInt64, at: Int64, item: Item) {
        let before = watched.updateValue((at, item), forKey: id)
        guard before?.at != at else { return }
        heap.push(.init(at: at, id: id))
        compactIfMostlyStale()
    }

    /// `id` no longer expires (closed, or its expiry lifted).
    mutating func unwatch(_ id: UInt64) {
        guard watched.removeValue(forKey: id) != nil else { return }
        compactIfMostlyStale()
    }

    /// Takes off every connection due at `now` (their deadline `<= now`), which are no longer
    /// watched; looks at no entry due later.
    mutating func takeDue(now: Int64) -> [Item] {
        var due: [Item] = []
        while let top = heap.min, top.at <= now {
            heap.popMin()
            examined += 1
            guard let current = watched[top.id], current.at == top.at else { continue } // stale
            watched.removeValue(forKey: top.id)
            due.append(current.item)
        }
        return due
    }

    private mutating func compactIfMostlyStale() {
        guard heap.count - watched.count > watched.count else { return }
        heap = DeadlineHeap(watched.map { .init(at: $0.value.at, id: $0.key) })
    }
}
