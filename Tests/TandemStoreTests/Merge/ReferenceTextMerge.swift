// The text merge as it was before its set-up was made faster (main bcf9171: LineText, LineInterner,
// LineDiff, Diff3 and TextMerge.mergeLines, renamed `Reference*`), kept only so
// TextMergeReferenceTests can check the current code gives byte-identical answers. Do not tune it.
@testable import TandemMerge
@testable import TandemStore

/// A text cut into lines that keep their own terminators ("\n", so "\r\n" too), so joining the
/// lines gives back the exact bytes, a missing final newline included.
///
/// Lines are cut on UTF-8 bytes, not `Character`s: Swift treats "\r\n" as one `Character`, and
/// byte equality keeps merges exact (canonically equivalent but different spellings stay distinct).
struct ReferenceLineText {
    let bytes: [UInt8]
    /// Byte range of each line in `bytes`.
    let lines: [Range<Int>]

    init(_ text: String) {
        bytes = Array(text.utf8)
        var lines: [Range<Int>] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(start..<(i + 1))
            start = i + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        self.lines = lines
    }

    var count: Int { lines.count }

    /// The bytes of lines `range`, appended to `out`.
    func append(lines range: Range<Int>, to out: inout [UInt8]) {
        guard !range.isEmpty else { return }
        out.append(contentsOf: bytes[lines[range.lowerBound].lowerBound..<lines[range.upperBound - 1].upperBound])
    }

    /// The text of lines `range`.
    func text(lines range: Range<Int>) -> String {
        var out: [UInt8] = []
        append(lines: range, to: &out)
        // Cut only at "\n" bytes, which never occur inside a multi-byte sequence: still valid UTF-8.
        return String(decoding: out, as: UTF8.self)
    }
}

/// Gives equal lines of several texts the same small integer (0, 1, 2, ...), so diffs compare `Int`s.
struct ReferenceLineInterner {
    private var ids: [ReferenceLineKey: Int] = [:]

    /// How many distinct lines have been seen: every id is below this.
    var distinctCount: Int { ids.count }

    mutating func ids(of text: ReferenceLineText) -> [Int] {
        text.lines.map { range in
            let line = ReferenceLineKey(bytes: text.bytes[range])
            if let id = ids[line] { return id }
            let id = ids.count
            ids[line] = id
            return id
        }
    }
}

/// A line's bytes as a dictionary key, hashed in one call over the raw bytes (an `ArraySlice`'s
/// own hashing feeds the hasher byte by byte, several times slower on long lines).
private struct ReferenceLineKey: Hashable {
    let bytes: ArraySlice<UInt8>

    func hash(into hasher: inout Hasher) {
        // Safe: the bytes are only read, inside the closure.
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// A longest common subsequence of two sequences, by Myers' O(ND) algorithm in its linear-space
/// form (middle snake, divide and conquer): memory stays O(N + M) even for very different texts.
enum ReferenceLineDiff {
    /// For each index of `a`, the index of `b` it is matched with in a longest common
    /// subsequence, or `nil`. Matched indices increase strictly in both sequences.
    /// Elements are small non-negative ids, as `ReferenceLineInterner` gives.
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
        // very different texts (the worst case for O(ND)) cheap, and changes no answer.
        let bound = max(a.max() ?? -1, b.max() ?? -1) + 1
        var inA = [Bool](repeating: false, count: bound), inB = [Bool](repeating: false, count: bound)
        for x in a { inA[x] = true }
        for y in b { inB[y] = true }
        let keptA = a.indices.filter { inB[a[$0]] }, keptB = b.indices.filter { inA[b[$0]] }
        let reducedA = keptA.map { a[$0] }, reducedB = keptB.map { b[$0] }
        // The furthest-reaching arrays, allocated once for the whole diff and shared by every
        // sub-box, since the search only reads entries it wrote for the same box.
        var forward = [Int](repeating: 0, count: reducedA.count + reducedB.count + 4)
        var backward = forward
        var pairs = [Int?](repeating: nil, count: reducedA.count)
        // Safe: buffer pointers drop the bounds checks of the hot loop in release builds (debug builds
        // still check them); they never outlive these closures.
        reducedA.withUnsafeBufferPointer { ua in
            reducedB.withUnsafeBufferPointer { ub in
                forward.withUnsafeMutableBufferPointer { uf in
                    backward.withUnsafeMutableBufferPointer { ubk in
                        var finder = ReferenceMatchFinder(a: ua, b: ub, forward: uf, backward: ubk, map: pairs, budget: budget)
                        finder.collect(aLo: 0, aHi: ua.count, bLo: 0, bHi: ub.count)
                        pairs = finder.map
                        budget = finder.budget
                    }
                }
            }
        }
        guard budget >= 0 else { return nil }
        var map = [Int?](repeating: nil, count: a.count)
        for (i, j) in pairs.enumerated() {
            if let j { map[keptA[i]] = keptB[j] }
        }
        return map
    }
}

/// A diagonal run of equal elements from (x0, y0) up to (x1, y1), in absolute indices.
private struct ReferenceSnake {
    var x0: Int, y0: Int, x1: Int, y1: Int
}

// Safe: the four buffers are borrowed from the closures in `matches(_:_:budget:)`, where the finder is made and dropped
private struct ReferenceMatchFinder {
    let a: UnsafeBufferPointer<Int>
    let b: UnsafeBufferPointer<Int>
    /// Furthest-reaching x (forward) per diagonal k = x - y, and furthest-reaching y (backward)
    /// per reverse diagonal, each with room for n + m + 4 diagonals.
    let forward: UnsafeMutableBufferPointer<Int>
    let backward: UnsafeMutableBufferPointer<Int>
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
    private mutating func middleSnake(aLo: Int, aHi: Int, bLo: Int, bHi: Int) -> ReferenceSnake? {
        let n = aHi - aLo, m = bHi - bLo
        let delta = n - m
        let odd = delta & 1 != 0
        let maxD = (n + m + 1) / 2
        let off = maxD + 1  // diagonals run from -maxD-1 to maxD+1
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
                    return ReferenceSnake(x0: aLo + xs, y0: bLo + ys, x1: aLo + x, y1: bLo + y)
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
                    return ReferenceSnake(x0: aLo + x, y0: bLo + y, x1: aLo + xs, y1: bLo + ys)
                }
            }
        }
        // Unreachable: an optimal path has at most n + m edits, so the searches meet by maxD.
        preconditionFailure("middle snake not found")
    }
}

/// The diff3 chunk algorithm (Khanna, Kuber, Pierce, "A Formal Investigation of Diff3", 2007):
/// walk base, current and proposed together, alternating maximal stable chunks (lines matched
/// from base into both sides, consecutively on each) and unstable chunks up to the next base
/// line matched on both sides.
enum ReferenceDiff3 {
    static func chunks(base: [Int], current: [Int], proposed: [Int]) -> [Diff3Chunk] {
        var unbounded = Int.max
        // An unbounded budget is never spent, so there is always an answer.
        return chunks(base: base, current: current, proposed: proposed, budget: &unbounded)!
    }

    /// `chunks` with both line diffs within `budget` search steps together (`ReferenceLineDiff`), `nil`
    /// when they need more.
    static func chunks(base: [Int], current: [Int], proposed: [Int], budget: inout Int) -> [Diff3Chunk]? {
        guard let toCurrent = ReferenceLineDiff.matches(base, current, budget: &budget),
              let toProposed = ReferenceLineDiff.matches(base, proposed, budget: &budget) else { return nil }
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

enum ReferenceTextMerge {
    static func mergeLines(base: String, current: String, proposed: String, budget: inout Int) -> TextMergeOutcome? {
        let texts = (base: ReferenceLineText(base), current: ReferenceLineText(current), proposed: ReferenceLineText(proposed))
        var interner = ReferenceLineInterner()
        let o = interner.ids(of: texts.base)
        let a = interner.ids(of: texts.current)
        let b = interner.ids(of: texts.proposed)
        guard let chunks = ReferenceDiff3.chunks(base: o, current: a, proposed: b, budget: &budget) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(max(texts.current.bytes.count, texts.proposed.bytes.count))
        var hunks: [TextConflictHunk] = []
        for chunk in chunks {
            if chunk.stable {
                texts.base.append(lines: chunk.base, to: &out)
                continue
            }
            let baseLines = o[chunk.base], currentLines = a[chunk.current], proposedLines = b[chunk.proposed]
            if currentLines.elementsEqual(baseLines) {
                texts.proposed.append(lines: chunk.proposed, to: &out)
            } else if proposedLines.elementsEqual(baseLines) || currentLines.elementsEqual(proposedLines) {
                texts.current.append(lines: chunk.current, to: &out)
            } else {
                hunks.append(TextConflictHunk(
                    baseLines: chunk.base, currentLines: chunk.current, proposedLines: chunk.proposed,
                    base: texts.base.text(lines: chunk.base),
                    current: texts.current.text(lines: chunk.current),
                    proposed: texts.proposed.text(lines: chunk.proposed)))
            }
        }
        if !hunks.isEmpty { return .conflict(hunks) }
        // Joined at "\n" boundaries of valid UTF-8 texts: still valid UTF-8.
        return .merged(String(decoding: out, as: UTF8.self))
    }
}

