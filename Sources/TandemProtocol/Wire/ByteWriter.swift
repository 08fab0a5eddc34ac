import TandemJSON

/// Appends JSON pieces to a `ByteSink` without intermediate values, for the hot paths (turn events and
/// turn.post responses). Output is byte-identical to `JSONWriter` (same escapes, same number text), which
/// the tests check against the generic serialization.
enum ByteWriter {
    /// Appends the bytes of a literal (keys and punctuation).
    @inline(__always)
    static func raw<Sink: ByteSink>(_ text: StaticString, _ out: inout Sink) {
        // Safe: a static string's UTF-8 is immutable and lives for the whole program.
        text.withUTF8Buffer { out.write(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a JSON string literal: runs of plain bytes are copied in bulk, and only `"`, `\` and control
    /// characters are escaped, exactly as `JSONWriter.writeString` does.
    static func string<Sink: ByteSink>(_ value: String, _ out: inout Sink) {
        out.write(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var runStart = 0
            var i = nextEscape(bytes, from: 0)
            while i < bytes.count {
                // Safe: a checked slice of the string's own UTF-8 storage, copied while withUTF8 keeps it alive.
                if runStart < i { out.write(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<i]))) }
                let c = bytes[i]
                switch c {
                case UInt8(ascii: "\""): raw(#"\""#, &out)
                case UInt8(ascii: "\\"): raw(#"\\"#, &out)
                case 0x0A: raw(#"\n"#, &out)
                case 0x0D: raw(#"\r"#, &out)
                case 0x09: raw(#"\t"#, &out)
                default:
                    raw(#"\u00"#, &out)
                    out.write(hexDigit(c >> 4))
                    out.write(hexDigit(c & 0x0F))
                }
                runStart = i + 1
                i = nextEscape(bytes, from: runStart)
            }
            // Safe: the rest of the string's UTF-8 storage, copied inside withUTF8.
            if runStart < bytes.count { out.write(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart...]))) }
        }
        out.write(UInt8(ascii: "\""))
    }

    /// The index of the first byte at or after `start` that JSON escapes (`"`, `\`, a control
    /// character), or `bytes.count`. Eight bytes at a time: the word tests below are exact about
    /// whether a word holds such a byte (never a miss), and only such words are looked at bytewise.
    // Safe: callers lend a live buffer for the call; reads are in bounds (i + 8 <= count for words, i < count for bytes)
    static func nextEscape(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = start
        while i + 8 <= bytes.count {
            // Safe: in bounds: i + 8 <= count, read unaligned from the caller's live buffer.
            let word = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A byte below 0x20, or a zero byte after the XOR (a quote or a backslash).
            let below = (word &- ones &* 0x20) & ~word
            let zeros = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
            if (below | zeros) & highs != 0 { break }
            i += 8
        }
        while i < bytes.count {
            let c = bytes[i]
            if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return i }
            i += 1
        }
        return i
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Appends the decimal text of an integer (as `String(value)` would write it).
    static func int<Sink: ByteSink>(_ value: Int64, _ out: inout Sink) {
        if value < 0 { out.write(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out.write(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        // Safe: digits come out last first: into a 20-byte stack buffer (UInt64.max has 20 digits),
        // then appended in one copy. The buffer never escapes the closure.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            while magnitude > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.write(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: digits[start...])))
        }
    }
}
