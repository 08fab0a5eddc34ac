/// A longest common subsequence of two sequences, by Myers' O(ND) algorithm in its linear-space
/// form (middle snake, divide and conquer): memory stays O(N + M) even for very different texts.
/// Which LCS it finds where several exist is documented (docs/store.md, "Text merges, line by
/// line") and copied in Tests/interop/model/line_diff.py: changing the search changes merges.
enum LineDiff {
    /// For each index of `a`, the index of `b` it is matched with in a longest common
    /// subsequence, or `nil`. Matched indices increase strictly in both sequences.
    /// Elements are small non-negative ids, as `LineInterner` gives.
    static func matches(_ a: [Int], _ b: [Int]) -> [Int?] {
        var unbounded = Int.max
        // An unbounded budget is never spent, so there is always an answer.
        return matches(a, b, budget: &unbounded)!
    }

    /// `matches(a, b)` within `budget` steps of the search (each diagonal tried and each pair of
    /// equal elements followed along one costs a step; the prefix and suffix trimming and the
    /// set-up are linear and free): `nil`, with `budget` spent, when the search needs more.
    /// O(ND) is quadratic when two long texts differ everywhere yet share their lines (a text of
    /// 500,000 two-byte lines against itself reordered: ~10^11 steps), and a merge runs on the
    /// store's single writer, so the caller must bound it.
    static func matches(_ a: [Int], _ b: [Int], budget: inout Int) -> [Int?]? {
        // Elements found in only one sequence can never be matched; dropping them first keeps
        // very different texts (the worst case for O(ND)) cheap. It changes no LCS length, but it
        // can change which of several LCSs is found (an equal neighbour of a dropped line may be
        // matched instead): it is part of the documented rule (docs/store.md, "Text merges, line
        // by line", step 3.1), so it must stay, or the rule change with it.
        let bound = max(a.max() ?? -1, b.max() ?? -1) + 1
        var inA = [Bool](repeating: false, count: bound), inB = [Bool](repeating: false, count: bound)
        for x in a { inA[x] = true }
        for y in b { inB[y] = true }
        // Usually (texts of one document) nothing is dropped: then the sequences are used as they
        // are, saving four copies and a re-mapping of ~10^5-10^6 entries near the value limit.
        let allA = a.allSatisfy { inB[$0] }, allB = b.allSatisfy { inA[$0] }
        let keptA = allA ? [] : a.indices.filter { inB[a[$0]] }, keptB = allB ? [] : b.indices.filter { inA[b[$0]] }
        let reducedA = allA ? a : keptA.map { a[$0] }, reducedB = allB ? b : keptB.map { b[$0] }
        var pairs: [Int?] = []
        // Safe: buffer pointers drop the bounds checks of the hot loop in release builds (debug builds
        // still check them); they never outlive these closures.
        reducedA.withUnsafeBufferPointer { ua in
            reducedB.withUnsafeBufferPointer { ub in
                var finder = MatchFinder(a: ua, b: ub, map: [Int?](repeating: nil, count: ua.count), budget: budget)
                finder.collect(aLo: 0, aHi: ua.count, bLo: 0, bHi: ub.count)
                finder.release()
                // Moved out, not copied: `finder` is not used again.
                pairs = finder.map
                budget = finder.budget
            }
        }
        guard budget >= 0 else { return nil }
        if allA && allB { return pairs }
        var map = [Int?](repeating: nil, count: a.count)
        for (i, j) in pairs.enumerated() {
            if let j { map[allA ? i : keptA[i]] = allB ? j : keptB[j] }
        }
        return map
    }
}

/// A diagonal run of equal elements from (x0, y0) up to (x1, y1), in absolute indices.
private struct Snake {
    var x0: Int, y0: Int, x1: Int, y1: Int
}

private struct MatchFinder {
    // Safe: `a` and `b` are borrowed from the withUnsafeBufferPointer closures in `matches(_:_:budget:)`; the finder is made and dropped inside them
    let a: UnsafeBufferPointer<Int>
    let b: UnsafeBufferPointer<Int>
    /// Furthest-reaching x (forward) per diagonal k = x - y, and furthest-reaching y (backward)
    /// per reverse diagonal, each with room for n + m + 4 diagonals of the first box searched.
    /// Allocated at that first search, not up front: the prefix and suffix trimming usually
    /// leaves a small box, and arrays sized for two whole long texts cost more (page faults)
    /// than the diff. Every later box lies inside the first, so they never need to grow; shared
    /// by every sub-box, since the search only reads entries it wrote for the same box.
    // Safe: allocated once by `middleSnake`, indexed only within the first box's diagonals, freed by `release`.
    private var forward = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    private var backward = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)

    // Safe: as above: the init only stores the borrowed buffers
    init(a: UnsafeBufferPointer<Int>, b: UnsafeBufferPointer<Int>, map: [Int?], budget: Int) {
        self.a = a
        self.b = b
        self.map = map
        self.budget = budget
    }

    /// Frees the search arrays; call once, when the search is done.
    mutating func release() {
        // Safe: allocated only by `middleSnake`, freed once here, never read afterwards.
        forward.deallocate()
        backward.deallocate()
        forward = UnsafeMutableBufferPointer(start: nil, count: 0)
        backward = forward
    }
    /// The result: for each index of `a`, its partner in `b`.
    var map: [Int?]
    /// Search steps left; below 0 the search has given up and `map` is incomplete.
    var budget: Int

    mutating func collect(aLo: Int, aHi: Int, bLo: Int, bHi: Int) {
        guard budget >= 0 else { return }
        var aLo = aLo, bLo = bLo, aHi = aHi, bHi = bHi
        // Common prefix and suffix are matched outright: cheap, and typical edits are local.
        while aLo < aHi && bLo < bHi && a[aLo] == b[bLo] {
            map[aLo] = bLo
            aLo += 1
            bLo += 1
        }
        while aLo < aHi && bLo < bHi && a[aHi - 1] == b[bHi - 1] {
            aHi -= 1
            bHi -= 1
            map[aHi] = bHi
        }
        guard aLo < aHi && bLo < bHi else { return }  // only insertions or only deletions left
        guard let snake = middleSnake(aLo: aLo, aHi: aHi, bLo: bLo, bHi: bHi) else { return }
        // With prefix and suffix trimmed and both sides non-empty there are at least two edits,
        // one on each side of the middle snake, so both halves are strictly smaller boxes.
        collect(aLo: aLo, aHi: snake.x0, bLo: bLo, bHi: snake.y0)
        for i in 0..<(snake.x1 - snake.x0) { map[snake.x0 + i] = snake.y0 + i }
        collect(aLo: snake.x1, aHi: aHi, bLo: snake.y1, bHi: bHi)
    }

    /// The middle snake of an optimal edit path through the box (Myers 1986, section 4b).
    /// `nil` once `budget` is spent (checked once per edit distance `d`: a round costs O(d)).
    private mutating func middleSnake(aLo: Int, aHi: Int, bLo: Int, bHi: Int) -> Snake? {
        let n = aHi - aLo, m = bHi - bLo
        let delta = n - m
        let odd = delta & 1 != 0
        let maxD = (n + m + 1) / 2
        let off = maxD + 1  // diagonals run from -maxD-1 to maxD+1
        if forward.count < n + m + 4 {
            // The first box (later ones are inside it). Zero-filled as the whole-text arrays were,
            // so every read sees what it saw before (the answers must not change).
            release()
            forward = .allocate(capacity: n + m + 4)
            forward.initialize(repeating: 0)
            backward = .allocate(capacity: n + m + 4)
            backward.initialize(repeating: 0)
        }
        forward[1 + off] = 0
        backward[1 + off] = m
        for d in 0...maxD {
            // Both directions try d + 1 diagonals each; what their snakes follow is counted as it goes.
            budget -= 2 * (d + 1)
            if budget < 0 { return nil }
            // Plain while loops: `stride` does not inline here and costs ~15% of the search.
            var k = d
            while k >= -d {
                defer { k -= 2 }
                var x: Int
                if k == -d || (k != d && forward[k - 1 + off] < forward[k + 1 + off]) {
                    x = forward[k + 1 + off]
                } else {
                    x = forward[k - 1 + off] + 1
                }
                var y = x - k
                let xs = x, ys = y
                while x < n && y < m && a[aLo + x] == b[bLo + y] {
                    x += 1
                    y += 1
                }
                budget -= x - xs
                forward[k + off] = x
                let c = k - delta
                if odd && c >= -(d - 1) && c <= d - 1 && y >= backward[c + off] {
                    return Snake(x0: aLo + xs, y0: bLo + ys, x1: aLo + x, y1: bLo + y)
                }
            }
            var c = d
            while c >= -d {
                defer { c -= 2 }
                var y: Int
                if c == -d || (c != d && backward[c - 1 + off] > backward[c + 1 + off]) {
                    y = backward[c + 1 + off]
                } else {
                    y = backward[c - 1 + off] - 1
                }
                let k = c + delta
                var x = y + k
                let xs = x, ys = y
                while x > 0 && y > 0 && a[aLo + x - 1] == b[bLo + y - 1] {
                    x -= 1
                    y -= 1
                }
                budget -= xs - x
                backward[c + off] = y
                if !odd && k >= -d && k <= d && x <= forward[k + off] {
                    return Snake(x0: aLo + x, y0: bLo + y, x1: aLo + xs, y1: bLo + ys)
                }
            }
        }
        // Unreachable: an optimal path has at most n + m edits, so the searches meet by maxD.
        preconditionFailure("middle snake not found")
    }
}
