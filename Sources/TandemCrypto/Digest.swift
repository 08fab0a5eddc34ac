import COpenSSL

/// Message digests through OpenSSL's one-shot functions.
public enum Digest {
    /// SHA-1 of `bytes` (20 bytes). Used only for the WebSocket accept key (RFC 6455 §4.2.2).
    public static func sha1<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        withContiguous(bytes) { buffer in
            // Safe: `buffer` and `out` are valid for the lengths passed, for the whole call.
            _ = SHA1(buffer.baseAddress, buffer.count, &out)
        }
        return out
    }

    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        withContiguous(bytes) { buffer in
            // Safe: `buffer` and `out` are valid for the lengths passed, for the whole call.
            _ = SHA256(buffer.baseAddress, buffer.count, &out)
        }
        return out
    }

    /// SHA-256 of a string's UTF-8 bytes, as lowercase hex.
    public static func sha256Hex(_ string: String) -> String {
        Hex.encode(sha256(Array(string.utf8)))
    }

    // Safe: the buffer is lent to `body` for the call only (contiguous storage, or a temporary array's)
    private static func withContiguous<Bytes: Collection>(
        _ bytes: Bytes, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) where Bytes.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable(body) { return done }
        Array(bytes).withUnsafeBufferPointer(body)
    }
}
