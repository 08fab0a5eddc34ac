import COpenSSL

/// Cryptographically secure randomness from OpenSSL's DRBG.
public enum SecureRandom {
    /// `count` random bytes. Traps if the system cannot supply entropy: continuing without it
    /// would hand out guessable secrets.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        // Safe: RAND_bytes writes exactly `count` bytes into the array's own storage, inside the closure
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(ok == 1, "RAND_bytes failed: no entropy available")
        return out
    }

    /// A URL-safe random token carrying `byteCount` bytes of entropy (base64url, no padding).
    public static func token(byteCount: Int = 24) -> String {
        Base64.encodeURL(bytes(byteCount))
    }
}

/// Comparison whose running time depends only on the lengths, not on where the inputs differ.
public func constantTimeEquals<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
where A.Element == UInt8, B.Element == UInt8 {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for (x, y) in zip(a, b) { diff |= x ^ y }
    return diff == 0
}
