/// Builds the outgoing frames of one connection: masks them with a fresh random key when we are
/// the client, and compresses data messages with permessage-deflate when it was negotiated and
/// the message is at least `compressionThreshold` bytes. Every message goes out as one frame.
///
/// Not Sendable when it holds a `Deflater`: one per connection, used on one thread.
public struct MessageEncoder {
    /// Clients mask every frame; servers never do.
    public let role: WebSocketRole
    /// Present only when permessage-deflate was negotiated.
    public let deflater: Deflater?
    /// Data messages shorter than this are sent uncompressed.
    public var compressionThreshold: Int

    public init(role: WebSocketRole, deflater: Deflater? = nil, compressionThreshold: Int = 256) {
        self.role = role
        self.deflater = deflater
        self.compressionThreshold = compressionThreshold
    }

    /// Whether a compressed frame made once can be sent as-is on other connections: only the
    /// server's frames (unmasked) without context takeover depend on nothing but the message.
    public var producesShareableFrames: Bool {
        role == .server && (deflater?.noContextTakeover ?? true)
    }

    /// A complete data frame (text or binary) carrying the whole message.
    // Safe: `payload` is read during the call only
    public func encode(_ opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(opcode == .text || opcode == .binary, "data messages only; use control(_:payload:)")
        let key = maskKey()
        if let deflater, payload.count >= compressionThreshold {
            let compressed = deflater.compress(payload)
            // Incompressible data goes out as is, but only without context takeover: otherwise the
            // peer's window must see every byte our compressor saw.
            if compressed.count < payload.count || !deflater.noContextTakeover {
                return FrameEncoder.encode(opcode: opcode, payload: compressed, rsv1: true, maskKey: key)
            }
        }
        return FrameEncoder.encode(opcode: opcode, payload: payload, maskKey: key)
    }

    /// A complete data frame from an array.
    public func encode(_ opcode: WebSocketOpcode, payload: [UInt8]) -> [UInt8] {
        // Safe: the pointer is lent to the call only and not kept
        payload.withUnsafeBytes { encode(opcode, payload: $0) }
    }

    /// A complete text frame.
    public func text(_ string: String) -> [UInt8] {
        var s = string
        // Safe: the pointer is lent to the call only and not kept
        return s.withUTF8 { encode(.text, payload: UnsafeRawBufferPointer($0)) }
    }

    /// A ping, pong or close frame. Control payloads are limited to 125 bytes by RFC 6455;
    /// longer ones are a programming error.
    public func control(_ opcode: WebSocketOpcode, payload: [UInt8] = []) -> [UInt8] {
        precondition(opcode.isControl, "control frames only")
        precondition(payload.count <= 125, "control frame payload over 125 bytes")
        return FrameEncoder.encode(opcode: opcode, payload: payload, maskKey: maskKey())
    }

    /// A close frame with a code and a reason cut to fit.
    public func close(code: CloseCode, reason: String = "") -> [UInt8] {
        control(.close, payload: FrameEncoder.closePayload(code: code, reason: reason))
    }

    /// The close frame answering a protocol error found by `MessageReader`.
    public func close(for error: WebSocketError) -> [UInt8] {
        close(code: error.closeCode, reason: error.reason)
    }

    private func maskKey() -> UInt32? {
        role == .client ? WebSocketMasking.randomKey() : nil
    }
}
