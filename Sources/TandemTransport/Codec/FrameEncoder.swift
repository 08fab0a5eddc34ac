/// Encodes WebSocket frames. Servers send unmasked frames (`maskKey: nil`); clients must mask
/// every frame with a fresh random key (`WebSocketMasking.randomKey()`).
public enum FrameEncoder {
    /// Bytes needed for the header of a frame with this payload length.
    @inlinable
    public static func headerSize(payloadLength: Int, masked: Bool) -> Int {
        let lengthBytes = payloadLength <= 125 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// Writes a frame header at `into` (which must have `headerSize(...)` writable bytes) and
    /// returns the number of bytes written. For encoders that place the payload themselves.
    /// The payload that follows must already be masked with `maskKey` if one is given.
    @discardableResult
    public static func writeHeader(
        // Safe: `into` must have headerSize(payloadLength:masked:) bytes of room; both callers allocate exactly that
        into: UnsafeMutableRawPointer, opcode: WebSocketOpcode, payloadLength: Int,
        fin: Bool = true, rsv1: Bool = false, maskKey: UInt32? = nil
    ) -> Int {
        precondition(payloadLength >= 0, "negative payload length")
        // Writes at most headerSize(...) bytes (offsets below), which the caller guarantees are writable.
        var first = opcode.rawValue
        if fin { first |= 0x80 }
        if rsv1 { first |= 0x40 }
        into.storeBytes(of: first, toByteOffset: 0, as: UInt8.self)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        var offset = 2
        if payloadLength <= 125 {
            into.storeBytes(of: maskBit | UInt8(payloadLength), toByteOffset: 1, as: UInt8.self)
        } else if payloadLength <= 0xFFFF {
            into.storeBytes(of: maskBit | 126, toByteOffset: 1, as: UInt8.self)
            into.storeBytes(of: UInt16(payloadLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            offset = 4
        } else {
            into.storeBytes(of: maskBit | 127, toByteOffset: 1, as: UInt8.self)
            into.storeBytes(of: UInt64(payloadLength).bigEndian, toByteOffset: 2, as: UInt64.self)
            offset = 10
        }
        if let key = maskKey {
            into.storeBytes(of: key.bigEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        return offset
    }

    /// A complete frame: header followed by the (masked, if `maskKey` is given) payload.
    public static func encode(
        // Safe: `payload` is read during the call only
        opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true,
        rsv1: Bool = false, maskKey: UInt32? = nil
    ) -> [UInt8] {
        let header = headerSize(payloadLength: payload.count, masked: maskKey != nil)
        let total = header + payload.count
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            // Safe: the buffer has `total` bytes of capacity; the header and payload fill it exactly.
            let raw = UnsafeMutableRawBufferPointer(out)
            let written = writeHeader(
                into: raw.baseAddress!, opcode: opcode, payloadLength: payload.count,
                fin: fin, rsv1: rsv1, maskKey: maskKey)
            // Safe: `body` is exactly the payload.count bytes after the header, so the copy fits.
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[written..<total])
            if payload.count > 0 {
                body.copyMemory(from: payload)
                if let key = maskKey { WebSocketMasking.apply(key: key, phase: 0, to: body) }
            }
            initialized = total
        }
    }

    /// A complete frame from an array payload.
    public static func encode(
        opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true,
        rsv1: Bool = false, maskKey: UInt32? = nil
    ) -> [UInt8] {
        // Safe: the pointer is lent to the call only and not kept
        payload.withUnsafeBytes {
            encode(opcode: opcode, payload: $0, fin: fin, rsv1: rsv1, maskKey: maskKey)
        }
    }

    /// The body of a close frame: the code, big-endian, then the reason as UTF-8, cut on a
    /// character boundary so the whole body fits the 125-byte control frame limit.
    public static func closePayload(code: CloseCode, reason: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        var budget = 123
        for scalar in reason.unicodeScalars {
            let width = UTF8.width(scalar)
            if width > budget { break }
            budget -= width
            out.append(contentsOf: UTF8.encode(scalar)!)
        }
        return out
    }
}
