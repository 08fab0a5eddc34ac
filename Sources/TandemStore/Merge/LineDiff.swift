/// A text cut into lines that keep their own terminators ("\n", so "\r\n" too), so joining the
/// lines gives back the exact bytes, a missing final newline included.
///
/// Lines are cut on UTF-8 bytes, not `Character`s: Swift treats "\r\n" as one `Character`, and
/// byte equality keeps merges exact (canonically equivalent but different spellings stay distinct).
struct LineText {
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

/// Gives equal lines of several texts the same small integer, so diffs compare `Int`s.
struct LineInterner {
    private var ids: [ArraySlice<UInt8>: Int] = [:]

    mutating func ids(of text: LineText) -> [Int] {
        text.lines.map { range in
            let line = text.bytes[range]
            if let id = ids[line] { return id }
            let id = ids.count
            ids[line] = id
            return id
        }
    }
}

/// A longest common subsequence of two sequences, by Myers' O(ND) algorithm in its linear-space
/// form (middle snake, divide and conquer): memory stays O(N + M) even for very different texts.
enum LineDiff {
    /// For each index of `a`, the index of `b` it is matched with in a longest common
    /// subsequence, or `nil`. Matched indices increase strictly in both sequences.
    static func matches(_ a: [Int], _ b: [Int]) -> [Int?] {
        var finder = MatchFinder(a: a, b: b)
        finder.collect(aLo: 0, aHi: a.count, bLo: 0, bHi: b.count)
        return finder.map
    }
}

/// A diagonal run of equal elements from (x0, y0) up to (x1, y1), in absolute indices.
private struct Snake {
    var x0: Int, y0: Int, x1: Int, y1: Int
}

private struct MatchFinder {
    let a: [Int]
    let b: [Int]
    var map: [Int?]
    /// Furthest-reaching x (forward) per diagonal k = x - y, and furthest-reaching y (backward)
    /// per reverse diagonal; allocated once for the whole diff and shared by every sub-box,
    /// since the search only reads entries it wrote for the same box.
    private var forward: [Int]
    private var backward: [Int]

    init(a: [Int], b: [Int]) {
        self.a = a
        self.b = b
        map = Array(repeating: nil, count: a.count)
        let size = a.count + b.count + 4
        forward = Array(repeating: 0, count: size)
        backward = Array(repeating: 0, count: size)
    }

    mutating func collect(aLo: Int, aHi: Int, bLo: Int, bHi: Int) {
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
        let snake = middleSnake(aLo: aLo, aHi: aHi, bLo: bLo, bHi: bHi)
        // With prefix and suffix trimmed and both sides non-empty there are at least two edits,
        // one on each side of the middle snake, so both halves are strictly smaller boxes.
        collect(aLo: aLo, aHi: snake.x0, bLo: bLo, bHi: snake.y0)
        for i in 0..<(snake.x1 - snake.x0) { map[snake.x0 + i] = snake.y0 + i }
        collect(aLo: snake.x1, aHi: aHi, bLo: snake.y1, bHi: bHi)
    }

    /// The middle snake of an optimal edit path through the box (Myers 1986, section 4b).
    private mutating func middleSnake(aLo: Int, aHi: Int, bLo: Int, bHi: Int) -> Snake {
        let n = aHi - aLo, m = bHi - bLo
        let delta = n - m
        let odd = delta & 1 != 0
        let maxD = (n + m + 1) / 2
        let off = maxD + 1  // diagonals run from -maxD-1 to maxD+1
        forward[1 + off] = 0
        backward[1 + off] = m
        for d in 0...maxD {
            for k in stride(from: d, through: -d, by: -2) {
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
                forward[k + off] = x
                let c = k - delta
                if odd && c >= -(d - 1) && c <= d - 1 && y >= backward[c + off] {
                    return Snake(x0: aLo + xs, y0: bLo + ys, x1: aLo + x, y1: bLo + y)
                }
            }
            for c in stride(from: d, through: -d, by: -2) {
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
