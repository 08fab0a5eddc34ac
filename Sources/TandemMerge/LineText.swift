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
        // Two passes over raw bytes (count, then cut) so `lines` is allocated once at its size:
        // near the 1 MiB value limit a text has ~10^5-10^6 lines and regrowing copies them all.
        // Safe: the buffer is only read inside the closure (no bounds checks in the byte loops).
        lines = bytes.withUnsafeBufferPointer { raw in
            let newline = UInt8(ascii: "\n")
            var count = 0
            for byte in raw where byte == newline { count += 1 }
            var lines: [Range<Int>] = []
            lines.reserveCapacity(count + 1)
            var start = 0
            for i in 0..<raw.count where raw[i] == newline {
                lines.append(start..<(i + 1))
                start = i + 1
            }
            if start < raw.count { lines.append(start..<raw.count) }
            return lines
        }
    }

    var count: Int { lines.count }

    /// How many leading and how many trailing lines this text has byte for byte in common with
    /// `other`; the two runs never overlap in either text (the prefix is taken first).
    ///
    /// Linear in bytes with no hashing: a typical edit leaves most of a long text's lines here.
    func commonLines(with other: LineText) -> (prefix: Int, suffix: Int) {
        // Safe: both buffers are only read, inside the closures, at indices below their counts.
        bytes.withUnsafeBufferPointer { x in
            other.bytes.withUnsafeBufferPointer { y in
                let shortest = min(x.count, y.count)
                var same = 0
                while same < shortest && x[same] == y[same] { same += 1 }
                // Lines at the same offsets inside the equal bytes are equal lines (a final line
                // without "\n" in one text only has another range, so it stops the run).
                let most = min(lines.count, other.lines.count)
                var prefix = 0
                while prefix < most && lines[prefix] == other.lines[prefix] && lines[prefix].upperBound <= same {
                    prefix += 1
                }
                var sameEnd = 0
                while sameEnd < shortest && x[x.count - 1 - sameEnd] == y[y.count - 1 - sameEnd] { sameEnd += 1 }
                // Counted from the end: a line starting as far from the end in both texts, inside
                // the equal tail, after equal later lines, is the same line.
                var suffix = 0
                while suffix < most - prefix {
                    let fromEnd = x.count - lines[lines.count - 1 - suffix].lowerBound
                    guard fromEnd == y.count - other.lines[other.lines.count - 1 - suffix].lowerBound,
                          fromEnd <= sameEnd else { break }
                    suffix += 1
                }
                return (prefix, suffix)
            }
        }
    }

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
struct LineInterner {
    private var ids: [LineKey: Int] = [:]

    /// How many distinct lines have been seen: every id is below this.
    var distinctCount: Int { ids.count }

    mutating func ids(of text: LineText) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.count)
        for i in 0..<text.count { out.append(id(of: text, line: i)) }
        return out
    }

    /// The ids of `text`, derived from `base` (interned before as `baseIDs`): lines it shares with
    /// base at its start and end take base's ids without being hashed, so a small edit of a long
    /// text hashes only its middle. The same ids `ids(of:)` would give.
    mutating func ids(of text: LineText, derivedFrom base: LineText, baseIDs: [Int]) -> [Int] {
        precondition(baseIDs.count == base.count, "baseIDs must be base's ids")
        let (prefix, suffix) = text.commonLines(with: base)
        var out: [Int] = []
        out.reserveCapacity(text.count)
        out.append(contentsOf: baseIDs[0..<prefix])
        for i in prefix..<(text.count - suffix) { out.append(id(of: text, line: i)) }
        out.append(contentsOf: baseIDs[(base.count - suffix)...])
        return out
    }

    private mutating func id(of text: LineText, line: Int) -> Int {
        let key = LineKey(bytes: text.bytes[text.lines[line]])
        if let id = ids[key] { return id }
        let id = ids.count
        ids[key] = id
        return id
    }
}

/// A line's bytes as a dictionary key, hashed in one call over the raw bytes (an `ArraySlice`'s
/// own hashing feeds the hasher byte by byte, several times slower on long lines).
private struct LineKey: Hashable {
    let bytes: ArraySlice<UInt8>

    func hash(into hasher: inout Hasher) {
        // Safe: the bytes are only read, inside the closure.
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
