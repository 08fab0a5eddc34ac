/// A decoded frame header (RFC 6455 §5.2), before any protocol rule other than the length
/// encoding has been applied.
public struct FrameHeader: Sendable, Equatable {
    /// Final fragment of a message.
    public var fin: Bool
    /// RSV1: "compressed" under permessage-deflate; RSV2/3 are never allowed.
    public var rsv1: Bool
    public var rsv2: Bool
    public var rsv3: Bool
    /// The raw 4-bit opcode, which may be reserved.
    public var opcodeBits: UInt8
    /// The masking key as on the wire (big-endian), or nil for an unmasked frame.
    public var maskKey: UInt32?
    /// Announced payload length, already checked against the caller's maximum.
    public var payloadLength: Int
    /// Bytes the header occupied.
    public var headerLength: Int

    /// Parses a header from the start of `bytes`. Returns nil when more bytes are needed.
    /// Throws `.nonMinimalLength` for a 64-bit length with its top bit set or any length not in
    /// its shortest form (RFC 6455 §5.2 requires both), and `.frameTooBig` when the announced
    /// length exceeds `maxPayload`, so the decision is made before any payload is buffered.
    public static func parse(
        // Safe: `bytes` is read during the call only, each read after a check against its count
        _ bytes: UnsafeRawBufferPointer, maxPayload: Int
    ) throws(WebSocketError) -> FrameHeader? {
        guard bytes.count >= 2 else { return nil }
        let b0 = bytes[0]
        let b1 = bytes[1]
        let masked = b1 & 0x80 != 0
        let len7 = Int(b1 & 0x7F)
        var offset = 2
        var length: Int
        switch len7 {
        case 126:
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            if length < 126 { throw .nonMinimalLength }
            offset = 4
        case 127:
            guard bytes.count >= 10 else { return nil }
            var value: UInt64 = 0
            for i in 2..<10 { value = value << 8 | UInt64(bytes[i]) }
            if value & (1 << 63) != 0 || value <= 0xFFFF { throw .nonMinimalLength }
            // Checked before anything else needs the full header: a 2^40 announcement fails here.
            if value > UInt64(maxPayload) { throw .frameTooBig(value > UInt64(Int.max) ? Int.max : Int(value)) }
            length = Int(value)
            offset = 10
        default:
            length = len7
        }
        if length > maxPayload { throw .frameTooBig(length) }
        var key: UInt32? = nil
        if masked {
            guard bytes.count >= offset + 4 else { return nil }
            key = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
            offset += 4
        }
        return FrameHeader(
            fin: b0 & 0x80 != 0, rsv1: b0 & 0x40 != 0, rsv2: b0 & 0x20 != 0, rsv3: b0 & 0x10 != 0,
            opcodeBits: b0 & 0x0F, maskKey: key, payloadLength: length, headerLength: offset)
    }
}
