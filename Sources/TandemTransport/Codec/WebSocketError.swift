/// Every way a peer can break the WebSocket protocol (or our limits) as seen by the codec.
/// `closeCode` is the single place these map to RFC 6455 close codes.
public enum WebSocketError: Error, Sendable, Equatable {
    /// RSV1/2/3 set without an extension that defines them (RSV1 is allowed on the first frame
    /// of a data message only when permessage-deflate was negotiated).
    case reservedBitsSet
    /// Opcode 3-7 or 11-15.
    case reservedOpcode(UInt8)
    /// A server received a frame without a mask.
    case unmaskedClientFrame
    /// A client received a masked frame.
    case maskedServerFrame
    /// A control frame with FIN clear.
    case fragmentedControlFrame
    /// A control frame with a payload longer than 125 bytes.
    case controlFrameTooLong
    /// A continuation frame with no message in progress.
    case unexpectedContinuation
    /// A new text/binary frame while a fragmented message is still in progress.
    case expectedContinuation
    /// A frame header announced this many payload bytes, more than `maxFramePayload`.
    case frameTooBig(Int)
    /// A message would grow to (at least) this many bytes, more than `maxMessageSize`.
    case messageTooBig(Int)
    /// A message spans more than `maxFragments` frames.
    case tooManyFragments
    /// A text message or close reason is not valid UTF-8.
    case invalidUTF8
    /// A close frame carried a code that may not be sent (see `CloseCode.isValidReceived`).
    case invalidCloseCode(UInt16)
    /// A close frame with a one-byte payload (a code needs two).
    case invalidClosePayload
    /// A 64-bit length with the most significant bit set, or a length not in its minimal form.
    case nonMinimalLength
    /// A compressed message inflated to more than `maxDecompressedMessageSize`.
    case decompressedTooBig
    /// zlib rejected the compressed data.
    case inflateFailed

    /// The close code to send to the peer before dropping the connection.
    public var closeCode: CloseCode {
        switch self {
        case .reservedBitsSet, .reservedOpcode, .unmaskedClientFrame, .maskedServerFrame,
             .fragmentedControlFrame, .controlFrameTooLong, .unexpectedContinuation,
             .expectedContinuation, .invalidCloseCode, .invalidClosePayload, .nonMinimalLength:
            return .protocolError
        case .frameTooBig, .messageTooBig, .tooManyFragments, .decompressedTooBig:
            return .messageTooBig
        case .invalidUTF8, .inflateFailed:
            return .invalidPayload
        }
    }

    /// A short human-readable reason for the close frame (ASCII, well under 123 bytes).
    public var reason: String {
        switch self {
        case .reservedBitsSet: return "reserved bits set"
        case .reservedOpcode(let op): return "reserved opcode \(op)"
        case .unmaskedClientFrame: return "client frame not masked"
        case .maskedServerFrame: return "server frame masked"
        case .fragmentedControlFrame: return "fragmented control frame"
        case .controlFrameTooLong: return "control frame payload over 125 bytes"
        case .unexpectedContinuation: return "continuation without a message in progress"
        case .expectedContinuation: return "new message before the previous one finished"
        case .frameTooBig(let n): return "frame of \(n) bytes is too big"
        case .messageTooBig(let n): return "message of \(n) bytes is too big"
        case .tooManyFragments: return "too many fragments"
        case .invalidUTF8: return "invalid UTF-8"
        case .invalidCloseCode(let c): return "invalid close code \(c)"
        case .invalidClosePayload: return "invalid close payload"
        case .nonMinimalLength: return "invalid payload length encoding"
        case .decompressedTooBig: return "decompressed message too big"
        case .inflateFailed: return "invalid compressed data"
        }
    }
}
