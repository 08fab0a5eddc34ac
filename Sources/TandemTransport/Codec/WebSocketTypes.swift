/// A WebSocket frame opcode (RFC 6455 §5.2). Opcodes 3-7 and 11-15 are reserved and rejected
/// by the reader with `WebSocketError.reservedOpcode`.
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0
    case text = 1
    case binary = 2
    case close = 8
    case ping = 9
    case pong = 10

    /// Control frames (close, ping, pong) may not be fragmented and carry at most 125 bytes.
    @inlinable public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// Which end of the connection this codec speaks for. It decides the masking rule (RFC 6455 §5.1):
/// clients mask every frame they send, servers never do.
public enum WebSocketRole: Sendable {
    /// We are the server: every frame we receive must be masked, frames we send are not.
    case server
    /// We are the client: frames we receive must be unmasked, frames we send are masked.
    case client
}

/// One complete thing the peer said, as produced by `MessageReader.next()`.
public enum WebSocketEvent: Sendable, Equatable {
    /// A whole text message, already validated as UTF-8 (and decompressed if it was compressed).
    case text([UInt8])
    /// A whole binary message (decompressed if it was compressed).
    case binary([UInt8])
    /// A ping's application data (at most 125 bytes); answer with a pong carrying the same bytes.
    case ping([UInt8])
    /// A pong's application data.
    case pong([UInt8])
    /// A close frame. `code` is nil when the frame had an empty body (which RFC 6455 treats as
    /// 1005 "no status received": echo a close without a code). The code has been validated with
    /// `CloseCode.isValidReceived` and the reason is valid UTF-8.
    case close(code: UInt16?, reason: String)
}
