/// A first-in, first-out list with O(1) amortized push and pop: an array read from `head` on, its
/// taken front dropped once it is most of the array. A popped slot is cleared at once, so what an
/// element holds (a job's captures: a connection, and through it the whole server) is let go when
/// it is taken, not when the array is next compacted.
struct FIFO<Element> {
    private var items: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func push(_ element: Element) { items.append(element) }

    /// The oldest element, removed; nil when empty.
    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head].take()
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.count <= 1024)
            head = 0
        } else if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}
