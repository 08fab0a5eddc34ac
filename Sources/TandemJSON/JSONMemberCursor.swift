/// Reads the members of a top-level JSON object one at a time, straight from the bytes, building
/// only the values the caller asks for: for a decoder's fast path over one common, flat shape
/// (a plain `turn.post`), where building every key as a `String` and every member as a
/// `JSONMember` cost more than the rest of the decoding.
///
/// It reads only the simplest form: keys without escapes, each followed by a string or an
/// integer. Anything else (an escape in a key, another kind of value, malformed text) ends the
/// read with nil, and the caller then takes its general path over the same bytes, which says what
/// is wrong. The values it returns are read by the parser's own code, so each is exactly what
/// `JSONValue(parsing:)` holds for it.
///
/// Borrowed, not copied: create it inside the buffer's `withUnsafeBytes` and drop it there.
public struct JSONMemberCursor {
    // Safe: the parser borrows the caller's buffer, which outlives the cursor (see above).
    private var parser: JSONParser
    private var sawMember = false
    private var closed = false

    /// A cursor before the first member of the object that starts `bytes` (after whitespace);
    /// nil when `bytes` does not start with an object, or `maxDepth` allows no object at all.
    // Safe: the cursor borrows the caller's buffer, which outlives it (see the type's doc)
    public init?(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        guard maxDepth >= 1, parser.current == UInt8(ascii: "{") else { return nil }
        parser.index += 1
    }

    /// The next member's key, the cursor then at its value; nil at the object's end (see
    /// `isAtEnd`) and when the text is not in the simple form.
    public mutating func nextKey() -> JSONRawText? {
        guard !closed else { return nil }
        parser.skipWhitespace()
        if sawMember {
            switch parser.current {
            case UInt8(ascii: ","): parser.index += 1; parser.skipWhitespace()
            case UInt8(ascii: "}"): parser.index += 1; closed = true; return nil
            default: return nil
            }
        } else if parser.current == UInt8(ascii: "}") {
            parser.index += 1
            closed = true
            return nil
        }
        guard let key = rawString() else { return nil }
        parser.skipWhitespace()
        guard parser.current == UInt8(ascii: ":") else { return nil }
        parser.index += 1
        parser.skipWhitespace()
        sawMember = true
        return key
    }

    /// Whether the object was read to its closing brace with nothing but whitespace after it.
    public mutating func isAtEnd() -> Bool {
        guard closed else { return false }
        parser.skipWhitespace()
        return parser.index == parser.bytes.count
    }

    /// Whether the value at the cursor is a string (else `integer()` is the one to try).
    public var valueIsString: Bool { parser.current == UInt8(ascii: "\"") }

    /// The string value at the cursor, escapes decoded and UTF-8 checked as the parser does; nil
    /// when the value is not a well-formed string.
    public mutating func string() -> String? {
        guard valueIsString else { return nil }
        return try? parser.parseString()
    }

    /// The string value at the cursor as written, when it holds no escape (for comparing with a
    /// known ASCII name without making a `String`); nil otherwise.
    public mutating func rawString() -> JSONRawText? {
        guard valueIsString else { return nil }
        let start = parser.index + 1
        var i = start
        let bytes = parser.bytes
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                parser.index = i + 1
                // Safe: a slice of the borrowed buffer, bounded by i < bytes.count; JSONRawText lives no longer than the cursor's buffer
                return JSONRawText(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            }
            // An escape may spell a name another way, and a control character is refused: both
            // are left to the general path.
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// The integer value at the cursor, read as the parser reads numbers; nil for anything else
    /// (a fraction or exponent, a number beyond 64 bits, another kind of value).
    public mutating func integer() -> Int64? {
        guard let c = parser.current, c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39),
              case .integer(let i)? = try? parser.parseNumber()
        else { return nil }
        return i
    }
}

/// A JSON string's bytes as written between its quotes, holding no escape; borrowed from the
/// buffer the `JSONMemberCursor` reads.
public struct JSONRawText {
    // Safe: made only by the cursor, within the buffer it borrows, and read before that ends.
    @usableFromInline let bytes: UnsafeRawBufferPointer

    /// Whether the text is exactly `name`, byte for byte. Inlinable: a decoder tries a key against
    /// each name it knows, and inlined, a name of another length costs a comparison, not a call.
    @inlinable
    public func `is`(_ name: StaticString) -> Bool {
        // `withUTF8Buffer`, not `utf8Start`: a one-character literal may be stored as a scalar.
        name.withUTF8Buffer { name in
            guard bytes.count == name.count else { return false }
            for i in 0..<name.count where bytes[i] != name[i] { return false }
            return true
        }
    }
}
