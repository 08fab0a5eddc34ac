/// Resource limits for one WebSocket connection's reader. Every limit is checked against the
/// frame header before the payload is buffered, so a peer cannot make us hold more than these
/// numbers of bytes by announcing a large frame.
public struct WebSocketLimits: Sendable, Equatable {
    /// Largest payload of a single frame, in bytes (default 1 MiB). Exceeding it → 1009.
    public var maxFramePayload: Int
    /// Largest message (sum of its fragments' payloads, as received, before decompression),
    /// in bytes (default 1 MiB). Exceeding it → 1009.
    public var maxMessageSize: Int
    /// Most fragments (frames) one data message may span (default 1024). Exceeding it → 1009.
    /// Bounds the per-frame overhead a peer can impose by sending many one-byte fragments.
    public var maxFragments: Int
    /// Largest message after permessage-deflate decompression (default 1 MiB, like
    /// `maxMessageSize`, so the application never sees bigger messages). Exceeding it →
    /// 1009, detected while inflating, so a compression bomb is refused without being expanded.
    public var maxDecompressedMessageSize: Int

    public init(
        maxFramePayload: Int = 1 << 20,
        maxMessageSize: Int = 1 << 20,
        maxFragments: Int = 1024,
        maxDecompressedMessageSize: Int = 1 << 20
    ) {
        self.maxFramePayload = maxFramePayload
        self.maxMessageSize = maxMessageSize
        self.maxFragments = maxFragments
        self.maxDecompressedMessageSize = maxDecompressedMessageSize
    }
}
