/// One region of a three-way comparison, as line ranges in base, current and proposed.
struct Diff3Chunk: Equatable {
    /// Stable: the same lines on all three sides. Unstable: at least one side differs from base.
    var stable: Bool
    var base: Range<Int>
    var current: Range<Int>
    var proposed: Range<Int>
}

/// The diff3 chunk algorithm (Khanna, Kuber, Pierce, "A Formal Investigation of Diff3", 2007):
/// walk base, current and proposed together, alternating maximal stable chunks (lines matched
/// from base into both sides, consecutively on each) and unstable chunks up to the next base
/// line matched on both sides.
enum Diff3 {
    static func chunks(base: [Int], current: [Int], proposed: [Int]) -> [Diff3Chunk] {
        var unbounded = Int.max
        // An unbounded budget is never spent, so there is always an answer.
        return chunks(base: base, current: current, proposed: proposed, budget: &unbounded)!
    }

    /// `chunks` with both line diffs within `budget` search steps together (`LineDiff`), `nil`
    /// when they need more.
    static func chunks(base: [Int], current: [Int], proposed: [Int], budget: inout Int) -> [Diff3Chunk]? {
        guard let toCurrent = LineDiff.matches(base, current, budget: &budget),
              let toProposed = LineDiff.matches(base, proposed, budget: &budget) else { return nil }
        var chunks: [Diff3Chunk] = []
        var o = 0, a = 0, b = 0
        while o < base.count || a < current.count || b < proposed.count {
            var run = 0
            while o + run < base.count && toCurrent[o + run] == a + run && toProposed[o + run] == b + run {
                run += 1
            }
            if run > 0 {
                chunks.append(Diff3Chunk(stable: true, base: o..<(o + run), current: a..<(a + run),
                                         proposed: b..<(b + run)))
                o += run
                a += run
                b += run
                continue
            }
            // Next base line matched on both sides; matchings are monotonic, so its partners lie
            // at or after a and b, and the chunk up to it is non-empty on some side.
            var next = o
            while next < base.count && (toCurrent[next] == nil || toProposed[next] == nil) { next += 1 }
            if next == base.count {
                chunks.append(Diff3Chunk(stable: false, base: o..<base.count, current: a..<current.count,
                                         proposed: b..<proposed.count))
                break
            }
            let nextA = toCurrent[next]!, nextB = toProposed[next]!
            chunks.append(Diff3Chunk(stable: false, base: o..<next, current: a..<nextA, proposed: b..<nextB))
            o = next
            a = nextA
            b = nextB
        }
        return chunks
    }
}
