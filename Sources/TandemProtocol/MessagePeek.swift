import TandemJSON

/// The routing fields of a server message, read without building a `JSONValue`: for a load tool or a
/// client that counts deliveries at high rates and decodes fully only what it shows.
///
/// Scans only the top level of the object (nested values are skipped, not validated), so it is cheap but
/// trusts the server to send well-formed JSON; use `ServerMessage.decode` for anything else.
public struct MessagePeek: Sendable, Equatable {
    /// `event` when the message is an event.
    public var event: String?
    public var session: String?
    public var eseq: Int64?
    /// A turn event's seq.
    public var seq: Int64?
    /// `nonce` of a turn event, when it has one.
    public var nonce: String?
    /// A response's id (nil for `null` and for events).
    public var id: RequestID?
    /// A response's `ok`.
    public var ok: Bool?

    public init() {}

    /// Peeks at one server message; nil when the bytes are not a JSON object of the expected shape.
    /// The buffer is only read during the call; nothing keeps a pointer into it.
    // Safe: the buffer is only read during the call; nothing keeps a pointer into it
    public static func peek(_ bytes: UnsafeRawBufferPointer) -> MessagePeek? {
        var scanner = Scanner(bytes: bytes)
        return scanner.peekObject()
    }

    public static func peek(_ bytes: [UInt8]) -> MessagePeek? {
        // Safe: the pointer does not escape: the scanner lives only inside this call.
        bytes.withUnsafeBytes { peek($0) }
    }
}

private struct Scanner {
    // Safe: borrowed for the duration of one `peek` call, which owns the scanner; every read is bounds-checked.
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
    }

    mutating func expect(_ c: UInt8) -> Bool {
        skipSpace()
        guard current == c else { return false }
        index += 1
        return true
    }

    mutating func peekObject() -> MessagePeek? {
        guard expect(UInt8(ascii: "{")) else { return nil }
        var peek = MessagePeek()
        if expect(UInt8(ascii: "}")) { return peek }
        repeat {
            skipSpace()
            guard let key = keyBytes(), expect(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            if Self.equal(key, "event") {
                guard let s = string() else { return nil }
                peek.event = s
            } else if Self.equal(key, "session") {
                guard let s = string() else { return nil }
                peek.session = s
            } else if Self.equal(key, "nonce") {
                guard let s = string() else { return nil }
                peek.nonce = s
            } else if Self.equal(key, "eseq") {
                guard let i = integer() else { return nil }
                peek.eseq = i
            } else if Self.equal(key, "seq") {
                guard let i = integer() else { return nil }
                peek.seq = i
            } else if Self.equal(key, "ok") {
                if literal("true") { peek.ok = true } else if literal("false") { peek.ok = false } else { return nil }
            } else if Self.equal(key, "id") {
                if current == UInt8(ascii: "\"") {
                    guard let s = string() else { return nil }
                    peek.id = .string(s)
                } else if literal("null") {
                    peek.id = nil
                } else {
                    guard let i = integer() else { return nil }
                    peek.id = .int(i)
                }
            } else {
                guard skipValue(depth: 0) else { return nil }
            }
        } while expect(UInt8(ascii: ","))
        guard expect(UInt8(ascii: "}")) else { return nil }
        skipSpace()
        return index == bytes.count ? peek : nil
    }

    /// The bytes of a key (between the quotes), without building a `String`. A key with escapes is
    /// returned raw, so it matches none of ours, which is right: ours never need escapes.
    mutating func keyBytes() -> UnsafeRawBufferPointer? {
        let start = index + 1
        guard skipString() else { return nil }
        // Safe: a sub-range of the borrowed buffer (skipString checked the closing quote), used before peek returns.
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
    }

    static func equal(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { n in key.count == n.count && key.elementsEqual(n) }
    }

    /// A string without escapes as a key, or nil (keys we care about never need escapes).
    mutating func rawString() -> String? {
        guard current == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var i = start
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") { return escapedString() }
            i += 1
        }
        guard i < bytes.count else { return nil }
        index = i + 1
        // Safe: in bounds (i < count was checked); String(decoding:) copies the bytes.
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// Any string value, escapes included (decoded by the full parser on this rare path).
    mutating func string() -> String? { rawString() }

    mutating func escapedString() -> String? {
        let start = index
        guard skipString() else { return nil }
        // Safe: in bounds (skipString succeeded), copied into an array at once.
        let slice = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        guard let value = try? JSONValue(parsing: slice), case .string(let s) = value else { return nil }
        return s
    }

    mutating func integer() -> Int64? {
        // The sign is read through `current`: at the end of the input (`{"seq":`) there is no
        // byte to look at (an unchecked read past the buffer before; found by Tests/fuzz).
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        let digitsStart = index
        while let c = current, c >= 0x30, c <= 0x39 { index += 1 }
        guard index > digitsStart, index - digitsStart <= 18 else { return nil }
        if let c = current, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
        var value: Int64 = 0
        for i in digitsStart..<index { value = value * 10 + Int64(bytes[i] - 0x30) }
        return negative ? -value : value
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { w in (0..<count).allSatisfy { bytes[index + $0] == w[$0] } }
        if matches { index += count }
        return matches
    }

    mutating func skipString() -> Bool {
        guard current == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return true
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        return false
    }

    /// Skips one value of any kind; nesting is bounded so hostile input cannot exhaust the stack.
    mutating func skipValue(depth: Int) -> Bool {
        guard depth < 256 else { return false }
        skipSpace()
        guard let c = current else { return false }
        switch c {
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            if expect(close) { return true }
            repeat {
                if c == UInt8(ascii: "{") {
                    skipSpace()
                    guard skipString(), expect(UInt8(ascii: ":")) else { return false }
                }
                guard skipValue(depth: depth + 1) else { return false }
            } while expect(UInt8(ascii: ","))
            return expect(close)
        default:
            let start = index
            while let d = current, d != UInt8(ascii: ","), d != UInt8(ascii: "}"), d != UInt8(ascii: "]"),
                d != 0x20, d != 0x09, d != 0x0A, d != 0x0D
            {
                index += 1
            }
            return index > start
        }
    }
}
