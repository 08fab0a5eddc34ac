/// Size and count limits of `tandem.v1`, with their defaults. The decoder enforces the per-message ones
/// (`Request.decode`); the server enforces the per-connection ones. All are configurable on the server.
public struct ProtocolLimits: Sendable, Equatable {
    /// Largest text frame / reassembled message, in bytes. Larger: close 1009.
    public var maxMessageBytes = 1 << 20
    /// Deepest JSON nesting accepted in a message.
    public var maxJSONDepth = 64
    /// Longest string request id, in UTF-8 bytes.
    public var maxRequestIDBytes = 128
    /// Largest turn `content`, in UTF-8 bytes. Larger: `too_large`.
    public var maxTurnContentBytes = 256 * 1024
    /// Largest serialized `metadata` object (sessions and turns), in bytes.
    public var maxMetadataBytes = 16 * 1024
    /// Largest serialized state row `value`, in bytes.
    public var maxStateValueBytes = 256 * 1024
    /// Longest state row key, in UTF-8 bytes.
    public var maxStateKeyBytes = 256
    /// Longest comment text, in UTF-8 bytes.
    public var maxCommentBytes = 16 * 1024
    /// Longest session title, checkpoint name or template name, in UTF-8 bytes.
    public var maxNameBytes = 512
    /// Longest identifier (session id, user id, share id, cursor, nonce), in UTF-8 bytes.
    public var maxIdentifierBytes = 128
    /// Longest search query, in UTF-8 bytes.
    public var maxQueryBytes = 1024
    /// Largest `limit` / `last` of a list or history request.
    public var maxPageSize = 1000
    /// `limit` when a list request names none.
    public var defaultPageSize = 100
    /// Most bytes of turns or rows one `history`, `state.get` or join answer holds (one record always
    /// goes, however big): the rest comes with `more` / `state_more`, page by page.
    public var maxPageBytes = 8 << 20
    /// Largest serialized `session.import` document, in bytes (bounded by `maxMessageBytes` too).
    public var maxImportBytes = 1 << 20
    /// Longest share-link lifetime, in seconds (default 365 days).
    public var maxShareLifetimeSeconds: Int64 = 365 * 24 * 3600

    /// Request token bucket: burst size.
    public var requestBurst = 400
    /// Request token bucket: tokens added per second.
    public var requestsPerSecond = 200
    /// `rate_limited` answers within `rateAbuseWindowSeconds` after which the server closes with 4429.
    public var rateAbuseThreshold = 200
    public var rateAbuseWindowSeconds = 10
    /// Simultaneous connections per user (more are refused at the handshake with HTTP 429).
    public var connectionsPerUser = 32
    /// Sessions one connection may have joined at once (more: `limit_exceeded`).
    public var sessionsPerConnection = 64
    /// Outbound bytes queued for one connection (beyond what its socket took) before it is closed as
    /// a slow consumer (4408).
    public var outboundQueueBytes = 4 << 20
    /// Seconds without any frame from the client before the server closes with 4000.
    public var idleTimeoutSeconds = 120

    public init() {}

    /// The defaults documented in docs/protocol.md (tandemd's defaults; a test keeps them in step).
    public static let `default` = ProtocolLimits()
}
