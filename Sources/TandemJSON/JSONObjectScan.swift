/// The members of one JSON object, located without parsing their values: each value is parsed
/// when asked for, and an array member can be read one element at a time. For documents too big
/// to hold as one `JSONValue` (a session import): memory is the text plus one element.
///
/// Locating checks the object's structure (brackets, strings, separators); a value is checked in
/// full when it is parsed. Offsets in errors are from the start of the buffer.
public struct JSONObjectScan {
    // Safe: borrowed, not copied: callers create the scan inside the buffer's `withUnsafeBytes` and drop it there.
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    /// Where each member's value starts (the last one wins for a repeated key, as in `JSONValue`).
    private var offsets: [String: Int] = [:]

    // Safe: borrows `bytes` like the stored property above; reads are bounds-checked by the parser
    /// Locates the members of the object that is the whole of `bytes` (whitespace around it allowed).
    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 128) throws {
        self.bytes = bytes
        self.maxDepth = maxDepth
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        guard parser.current == UInt8(ascii: "{") else { throw parser.error("expected an object") }
        parser.index += 1
        parser.skipWhitespace()
        if parser.current == UInt8(ascii: "}") {
            parser.index += 1
        } else {
            while true {
                parser.skipWhitespace()
                guard parser.current == UInt8(ascii: "\"") else { throw parser.error("expected a string key") }
                let keyOffset = parser.index
                let key = try parser.parseString()
                parser.skipWhitespace()
                guard parser.current == UInt8(ascii: ":") else { throw parser.error("expected ':'") }
                parser.index += 1
                parser.skipWhitespace()
                var respelled: JSONParseError?
                if let i = offsets.index(forKey: key) {
                    let (earlierKey, earlier) = offsets[i]
                    // The earlier value will never be read: check it now, so that whatever the
                    // scan reads in full the parser reads too (found by Tests/fuzz).
                    var check = JSONParser(bytes: bytes, maxDepth: maxDepth)
                    check.index = earlier
                    _ = try check.parseValue(depth: 1)
                    // As `JSONValue(parsing:)`: a respelled key is refused (after its value, as
                    // there), not merged into the other.
                    if !earlierKey.isByteIdentical(to: key) {
                        respelled = JSONParser.respelledKey(earlierKey, key, at: keyOffset)
                    }
                }
                offsets[key] = parser.index
                try parser.skipValue(depth: 1)
                if let respelled { throw respelled }
                parser.skipWhitespace()
                if parser.current == UInt8(ascii: ",") { parser.index += 1; continue }
                guard parser.current == UInt8(ascii: "}") else { throw parser.error("expected ',' or '}'") }
                parser.index += 1
                break
            }
        }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the value") }
    }

    /// The member names, in no particular order.
    public var keys: Dictionary<String, Int>.Keys { offsets.keys }

    /// The value of member `key`, parsed now; nil when there is no such member.
    public func value(_ key: String) throws -> JSONValue? {
        guard let offset = offsets[key] else { return nil }
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.index = offset
        return try parser.parseValue(depth: 1)
    }

    /// Whether member `key` is an array; nil when there is no such member.
    public func isArray(_ key: String) -> Bool? {
        offsets[key].map { bytes[$0] == UInt8(ascii: "[") }
    }

    /// Hands each element of the array under `key` to `body`, parsed one at a time; nothing when
    /// there is no such member. Throws `JSONParseError` when the member is not an array.
    public func forEachElement(_ key: String, _ body: (JSONValue) throws -> Void) throws {
        guard let offset = offsets[key] else { return }
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.index = offset
        guard parser.current == UInt8(ascii: "[") else { throw parser.error("expected an array") }
        parser.index += 1
        parser.skipWhitespace()
        if parser.current == UInt8(ascii: "]") { return }
        while true {
            parser.skipWhitespace()
            try body(try parser.parseValue(depth: 2))
            parser.skipWhitespace()
            if parser.current == UInt8(ascii: ",") { parser.index += 1; continue }
            guard parser.current == UInt8(ascii: "]") else { throw parser.error("expected ',' or ']'") }
            return
        }
    }
}

extension JSONParser {
    /// Moves past one value, checking its structure but building nothing.
    mutating func skipValue(depth: Int) throws {
        switch current {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // Counted as parseValue counts: the container one level below `depth`.
            guard depth + 1 <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
            let isObject = current == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if current == close { index += 1; return }
            while true {
                skipWhitespace()
                if isObject {
                    guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                    try skipString()
                    skipWhitespace()
                    guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
                    index += 1
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                guard current == close else { throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'") }
                index += 1
                return
            }
        case UInt8(ascii: "\""):
            try skipString()
        default:
            _ = try parseValue(depth: depth) // a literal or a number: nothing worth skipping cheaper
        }
    }

    /// Moves past a string (escapes and control characters checked; UTF-8 when it is parsed).
    private mutating func skipString() throws {
        index += 1
        while let c = current {
            index += 1
            if c == UInt8(ascii: "\"") { return }
            if c == UInt8(ascii: "\\") {
                guard current != nil else { break }
                index += 1
            } else if c < 0x20 {
                index -= 1
                throw error("control character in string")
            }
        }
        throw error("unterminated string")
    }
}
