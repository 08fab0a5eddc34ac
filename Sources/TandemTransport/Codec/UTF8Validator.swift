/// Incremental UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
///
/// Fed chunk by chunk, it keeps the state of a sequence split across chunks, so a text message
/// can be validated fragment by fragment as it arrives and refused at the first bad byte.
/// Runs of ASCII are skipped sixteen bytes at a time; common 2- and 3-byte characters that lie
/// wholly inside a chunk are checked without going through the state machine.
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected for the current sequence.
    @usableFromInline var remaining: UInt8 = 0
    /// Allowed range of the next continuation byte; the first one after a lead byte is narrower
    /// for E0, ED, F0, F4 (this is what excludes overlongs, surrogates and > U+10FFFF).
    @usableFromInline var lower: UInt8 = 0x80
    @usableFromInline var upper: UInt8 = 0xBF
    /// Sticky failure: once invalid, always invalid.
    @usableFromInline var failed = false

    public init() {}

    /// Whether everything fed so far is a valid prefix of UTF-8.
    public var isValid: Bool { !failed }

    /// Whether the input so far ends on a character boundary.
    public var isAtBoundary: Bool { remaining == 0 }

    /// Validates the next chunk. Returns false as soon as an invalid byte is seen (and forever after).
    // Safe: `bytes` is read during the call only; every load is guarded against its count (see the loops)
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if failed { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        var remaining = self.remaining
        var lower = self.lower
        var upper = self.upper
        while i < count {
            if remaining == 0 {
                // Every load below is guarded by `i + 16 <= count` / `i + 8 <= count` / `i < count`, inside `bytes`.
                // ASCII fast path: sixteen, then eight bytes at a time while no high bit is set.
                while i + 16 <= count,
                      (base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                       | base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) & 0x8080_8080_8080_8080 == 0 {
                    i += 16
                }
                while i + 8 <= count,
                      base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                if i >= count { break }
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                i += 1
                if b < 0x80 { continue }
                // Common two- and three-byte characters wholly inside the chunk: check in place.
                if b >= 0xC2 && b <= 0xDF && i < count {
                    let c1 = base.load(fromByteOffset: i, as: UInt8.self)
                    if c1 & 0xC0 != 0x80 { failed = true; return false }
                    i += 1
                    continue
                }
                if b >= 0xE1 && b <= 0xEC && i + 1 < count {
                    let c1 = base.load(fromByteOffset: i, as: UInt8.self)
                    let c2 = base.load(fromByteOffset: i + 1, as: UInt8.self)
                    if (c1 & 0xC0 != 0x80) || (c2 & 0xC0 != 0x80) { failed = true; return false }
                    i += 2
                    continue
                }
                switch b {
                case 0xC2...0xDF: remaining = 1; lower = 0x80; upper = 0xBF
                case 0xE0: remaining = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE, 0xEF: remaining = 2; lower = 0x80; upper = 0xBF
                case 0xED: remaining = 2; lower = 0x80; upper = 0x9F
                case 0xF0: remaining = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: remaining = 3; lower = 0x80; upper = 0xBF
                case 0xF4: remaining = 3; lower = 0x80; upper = 0x8F
                default:
                    failed = true
                    return false
                }
            } else {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                i += 1
                if b < lower || b > upper {
                    failed = true
                    return false
                }
                lower = 0x80
                upper = 0xBF
                remaining -= 1
            }
        }
        self.remaining = remaining
        self.lower = lower
        self.upper = upper
        return true
    }

    /// Validates the next chunk given as an array.
    public mutating func feed(_ bytes: [UInt8]) -> Bool {
        // Safe: the pointer is lent to the call only and not kept
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Call at the end of the input: false if anything was invalid or a sequence is incomplete.
    public mutating func finish() -> Bool {
        if failed { return false }
        if remaining != 0 {
            failed = true
            return false
        }
        return true
    }

    /// Validates a complete buffer in one go.
    // Safe: `bytes` is read during the call only
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var v = UTF8Validator()
        return v.feed(bytes) && v.finish()
    }

    /// Validates a complete array in one go.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        // Safe: the pointer is lent to the call only and not kept
        bytes.withUnsafeBytes { isValid($0) }
    }
}
