/// A binary min-heap of deadlines (Unix ms), each naming a connection: the earliest is at hand in
/// O(1), pushed and taken in O(log n). Pure value; `ExpirySchedule` keeps it true to the
/// connections still watched.
struct DeadlineHeap: Sendable {
    struct Entry: Sendable, Equatable {
        var at: Int64
        var id: UInt64
    }

    private var entries: [Entry] = []

    init() {}

    /// A heap of `entries`, in any order (O(n)).
    init(_ entries: [Entry]) {
        self.entries = entries
        var index = entries.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// The earliest entry (nil when empty).
    var min: Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        siftUp(from: entries.count - 1)
    }

    /// Takes the earliest entry off (nil when empty).
    @discardableResult
    mutating func popMin() -> Entry? {
        guard !entries.isEmpty else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last }
        let first = entries[0]
        entries[0] = last
        siftDown(from: 0)
        return first
    }

    private mutating func siftUp(from start: Int) {
        var child = start
        let entry = entries[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.at < entries[parent].at else { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let entry = entries[parent]
        while true {
            var child = 2 * parent + 1
            guard child < entries.count else { break }
            if child + 1 < entries.count && entries[child + 1].at < entries[child].at { child += 1 }
            guard entries[child].at < entry.at else { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = entry
    }
}
