/// XOR masking of WebSocket payloads (RFC 6455 §5.3), eight bytes at a time.
public enum WebSocketMasking {
    /// Applies (or removes: the operation is its own inverse) `key` to `buffer` in place.
    /// `phase` is the payload offset of `buffer`'s first byte modulo 4, so a payload that arrives
    /// in pieces can be unmasked piece by piece. Returns the phase for the next piece.
    /// `key` is the masking key as sent on the wire, big-endian (first wire byte most significant).
    @discardableResult
    // Safe: `buffer` is the caller's, for the call only; every access stays inside it (see the loop guards)
    public static func apply(key: UInt32, phase: Int, to buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return phase & 3 }
        let keyBytes: (UInt8, UInt8, UInt8, UInt8) = (
            UInt8(truncatingIfNeeded: key >> 24), UInt8(truncatingIfNeeded: key >> 16),
            UInt8(truncatingIfNeeded: key >> 8), UInt8(truncatingIfNeeded: key))
        func keyByte(_ i: Int) -> UInt8 {
            switch i & 3 {
            case 0: return keyBytes.0
            case 1: return keyBytes.1
            case 2: return keyBytes.2
            default: return keyBytes.3
            }
        }
        let count = buffer.count
        var i = 0
        var p = phase & 3
        if count >= 16 {
            // Build an 8-byte mask in memory order starting at the current phase.
            var word: UInt64 = 0
            withUnsafeMutableBytes(of: &word) { w in
                for j in 0..<8 { w[j] = keyByte(p + j) }
            }
            // Word accesses stay inside `buffer`: guarded by `i + 8 <= count`; the byte loop by `i < count`.
            while i + 8 <= count {
                let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                base.storeBytes(of: v ^ word, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            // Eight bytes is a multiple of four: the phase is unchanged by the word loop.
        }
        while i < count {
            let v = base.load(fromByteOffset: i, as: UInt8.self)
            base.storeBytes(of: v ^ keyByte(p), toByteOffset: i, as: UInt8.self)
            p = (p + 1) & 3
            i += 1
        }
        return p
    }

    /// A fresh random masking key for a client frame.
    public static func randomKey() -> UInt32 {
        var g = SystemRandomNumberGenerator()
        return g.next()
    }
}
