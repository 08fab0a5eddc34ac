/// Random multi-line texts and line edits for the text merge property tests.
enum RandomText {
    /// A small pool so texts repeat lines (the hard case for alignment), with CRLF, an empty
    /// line and non-ASCII lines among them.
    static let pool = ["alpha\n", "beta\n", "γάμμα\n", "delta\r\n", "\n", "e😀\n", "f\n", "}\n", "  return x\n"]

    static func lines(_ rng: inout SeededRandom, maxCount: Int = 10) -> [String] {
        (0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in rng.pick(pool) }
    }

    /// Joins lines; sometimes drops the final newline, so unterminated last lines are exercised.
    static func join(_ lines: [String], _ rng: inout SeededRandom) -> String {
        var text = lines.joined()
        if rng.chance(30), endsWithNewline(text) { text.removeLast() }  // drops "\n" or "\r\n"
        return text
    }

    static func text(_ rng: inout SeededRandom) -> String { join(lines(&rng), &rng) }

    /// A longer text of mostly distinct lines, like a shared document (edits of it mostly merge).
    static func document(_ rng: inout SeededRandom) -> String {
        let lines = (0..<Int.random(in: 4...16, using: &rng)).map { i in
            rng.chance(80) ? "paragraph \(i) ¶\n" : rng.pick(pool)
        }
        return join(lines, &rng)
    }

    /// A variant of `text`: some lines deleted, replaced or inserted, maybe the final newline toggled.
    static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
        var lines = splitLines(text)
        let edits = Int.random(in: 0...3, using: &rng)
        for _ in 0..<edits {
            let at = Int.random(in: 0...lines.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where at < lines.count: lines.remove(at: at)
            case 1 where at < lines.count: lines[at] = rng.pick(pool)
            default: lines.insert(rng.pick(pool), at: at)
            }
        }
        // Keep lines before the last terminated, or joining would fuse two lines.
        for i in lines.indices.dropLast() where !endsWithNewline(lines[i]) { lines[i] += "\n" }
        var result = lines.joined()
        if rng.chance(15) {
            if endsWithNewline(result) { result.removeLast() } else { result += "\n" }
        }
        return result
    }
}

/// Byte-wise: `String.hasSuffix("\n")` is false for "\r\n", a single `Character`.
func endsWithNewline(_ text: String) -> Bool { text.utf8.last == UInt8(ascii: "\n") }

/// The lines of `text`, each with its terminator; written apart from the merge code on purpose.
func splitLines(_ text: String) -> [String] {
    var lines: [String] = []
    var line: [UInt8] = []
    for byte in text.utf8 {
        line.append(byte)
        if byte == UInt8(ascii: "\n") {
            lines.append(String(decoding: line, as: UTF8.self))
            line = []
        }
    }
    if !line.isEmpty { lines.append(String(decoding: line, as: UTF8.self)) }
    return lines
}
