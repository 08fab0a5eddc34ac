/// Why a text is not acceptable JSON, with the byte offset where it went wrong.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    /// The text is well-formed up to here and the refusal is a number `JSONValue` cannot hold (an
    /// integer beyond 64 bits, a number beyond a double): the rest may still be read, with
    /// `outOfRangeNumbersAsNull`, to answer with what it says (a request's id).
    public var isNumberOutOfRange = false
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

// Safe: each init lends its buffer (withUTF8/withUnsafeBytes, or the caller's) to one parse only; the value returned holds copied Strings, never the pointer
extension JSONValue {
    /// Parses one JSON document (RFC 8259), strictly (throws `JSONParseError`): no trailing commas, no comments,
    /// no leading zeros, nothing but whitespace after the value, nesting at most `maxDepth`; no integer
    /// literal beyond 64 bits, no number beyond a double (`JSONNumberRange.swift`), no object with two
    /// canonically equivalent keys spelled differently (`JSONKeySpellings.swift`).
    public init(parsing text: String, maxDepth: Int = 128) throws {
        var text = text
        self = try text.withUTF8 { buffer throws in
            try JSONValue(parsing: UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)
        }
    }

    /// Parses one JSON document from UTF-8 bytes.
    public init<Bytes: Collection>(parsing bytes: Bytes, maxDepth: Int = 128) throws
    where Bytes.Element == UInt8 {
        let array = Array(bytes)
        self = try array.withUnsafeBytes { buffer throws in
            try JSONValue(parsing: buffer, maxDepth: maxDepth)
        }
    }

    /// Parses one JSON document from raw UTF-8 bytes, without copying them.
    public init(parsing buffer: UnsafeRawBufferPointer, maxDepth: Int = 128) throws {
        var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the value") }
        self = value
    }
}

// Safe: `bytes` is borrowed for one parse; every read is bounds-checked against `bytes.count` (loadUnaligned: index + 8 <= count) and rebased slices stay inside it; bindMemory(to: UInt8) binds UTF-8 bytes to their own type
/// A recursive-descent parser over a borrowed byte buffer.
struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0
    /// Whether the string `parseString` returned last is all ASCII: known for free while it is
    /// validated, and lets object keys skip the check for canonically equivalent spellings.
    var lastStringWasASCII = true
    /// Reads numbers out of range as `null` instead of refusing them: only to recover what else a
    /// refused document says (see `JSONParseError.isNumberOutOfRange`).
    var outOfRangeNumbersAsNull = false

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let c = current else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
            throw error("invalid literal")
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        index += 1
        var object: [String: JSONValue] = [:]
        // Two different ASCII keys are never canonically equivalent: until a key that is not ASCII
        // comes, plain inserts cannot merge two spellings (see `insert(_:_:into:at:)`).
        var allASCII = true
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            allASCII = allASCII && lastStringWasASCII
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if allASCII {
                object[key] = value
            } else {
                try Self.insert(key, value, into: &object, at: keyOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(object)
            default: throw error("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(array) }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(array)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first >= 48, first <= 57 else { throw error("expected a digit") }
        if first == 48 {
            index += 1
            if let next = current, next >= 48, next <= 57 { throw error("leading zero") }
        } else {
            while let d = current, d >= 48, d <= 57 { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let d = current, d >= 48, d <= 57 else { throw error("expected a digit after '.'") }
            while let d = current, d >= 48, d <= 57 { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let d = current, d >= 48, d <= 57 else { throw error("expected a digit in exponent") }
            while let d = current, d >= 48, d <= 57 { index += 1 }
        }
        let literal = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        // Only digits: this fails only on overflow, which must not turn into a rounded double.
        if isInteger, let i = Self.integer(literal) { return .integer(i) }
        let text = String(decoding: literal, as: UTF8.self)
        if isInteger {
            if outOfRangeNumbersAsNull { return .null }
            throw Self.integerOutOfRange(text, at: start)
        }
        guard let d = Double(text), d.isFinite else {
            if outOfRangeNumbersAsNull { return .null }
            throw Self.numberOutOfRange(text, at: start)
        }
        return .number(d)
    }

    /// The value of an integer literal `parseNumber` checked (an optional minus, then digits, no
    /// leading zero), as `Int64(_: String)` reads it; nil beyond 64 bits. Read digit by digit:
    /// making a `String` of it for `Int64(_:)` cost more than the rest of the number's parse.
    static func integer(_ literal: UnsafeRawBufferPointer) -> Int64? {
        let negative = literal.first == UInt8(ascii: "-")
        var magnitude: UInt64 = 0
        for digit in literal.dropFirst(negative ? 1 : 0) {
            let (times10, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
            if overflowed || carried { return nil }
            magnitude = sum
        }
        if negative {
            // Int64.min's magnitude is one more than Int64.max.
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        // Eight bytes at a time past those that cannot end the fast path below: most of a
        // request's bytes are the text of its strings. (The unaligned load reads within the
        // buffer: index + 8 <= bytes.count.)
        while index + 8 <= bytes.count, !Self.mayEndString(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
            index += 8
        }
        // Fast path: no escapes. Validate UTF-8 while scanning for the closing quote.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try validatedString(slice, at: start)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in string") }
            index += 1
        }
        // Slow path: escapes present.
        var out = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                return try out.withUnsafeBytes { buffer throws in try validatedString(buffer, at: start) }
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = current else { throw error("unterminated escape") }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): appendUTF8(try parseUnicodeEscape(), to: &out)
                default: throw error("invalid escape")
                }
            case 0..<0x20:
                throw error("control character in string")
            default:
                out.append(c)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// Whether any of the eight bytes in `word` is a quote, a backslash or a control character
    /// (below 0x20). Exact whichever byte it is (the tests of "Bit Twiddling Hacks": a zero byte
    /// after XOR with the byte looked for, a byte less than 0x20), so none is skipped.
    static func mayEndString(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func hasByteBelow(_ n: UInt64, in x: UInt64) -> Bool { (x &- ones &* n) & ~x & highBits != 0 }
        return hasByteBelow(0x20, in: word)
            || hasByteBelow(1, in: word ^ (ones &* UInt64(UInt8(ascii: "\""))))
            || hasByteBelow(1, in: word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
    }

    mutating func validatedString(_ slice: UnsafeRawBufferPointer, at offset: Int) throws -> String {
        // ASCII needs no validation, and checking 8 bytes at a time is far cheaper than the
        // generic validating initializer.
        lastStringWasASCII = Self.isASCII(slice)
        if lastStringWasASCII { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw JSONParseError(offset: offset, reason: "invalid UTF-8 in string")
        }
        return s
    }

    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: throw error("invalid hex digit")
            }
            v = v << 4 | digit
            index += 1
        }
        return v
    }

    mutating func parseUnicodeEscape() throws -> UInt32 {
        let first = try parseHex4()
        if first >= 0xD800 && first < 0xDC00 {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("lone high surrogate") }
            index += 2
            let second = try parseHex4()
            guard second >= 0xDC00 && second < 0xE000 else { throw error("invalid low surrogate") }
            return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        if first >= 0xDC00 && first < 0xE000 { throw error("lone low surrogate") }
        return first
    }

    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
