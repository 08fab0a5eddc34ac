/// WebSocket close codes a `tandem.v1` server uses when it ends a connection, and what a client should do.
///
/// Codes 1000-1015 are RFC 6455's; 4000-4999 are Tandem's own (the last three digits echo the HTTP status
/// with the nearest meaning). Close reasons are short English text, at most 123 bytes.
public enum CloseCode: UInt16, Sendable, Hashable, CaseIterable {
    /// Normal closure (either side is done).
    case normal = 1000
    /// The server is shutting down or restarting.
    case goingAway = 1001
    /// WebSocket framing error (bad opcode, unmasked client frame, bad continuation ...).
    case protocolError = 1002
    /// A binary frame: `tandem.v1` carries JSON text frames only.
    case unsupportedData = 1003
    /// A text frame that is not valid UTF-8.
    case invalidPayload = 1007
    /// Generic policy violation not covered by a Tandem code.
    case policyViolation = 1008
    /// A message larger than `max_message_bytes`.
    case messageTooBig = 1009
    /// The server hit an unexpected error on this connection.
    case internalError = 1011
    /// The server is overloaded or its storage is unavailable.
    case tryAgainLater = 1013
    /// The token that authenticated the connection was revoked or expired, or its user removed or
    /// disabled (the reason says which).
    case credentialRevoked = 4401
    /// The share link that authenticated this viewer was revoked.
    case shareRevoked = 4403
    /// The client did not read its events fast enough; its outbound queue overflowed.
    case slowConsumer = 4408
    /// The share link that authenticated this viewer expired.
    case shareExpired = 4410
    /// The client kept sending after being told `rate_limited`.
    case rateAbuse = 4429
    /// The connection sent no frame (not even a ping) for longer than the idle timeout.
    case idleTimeout = 4000

    /// What a client should do after this close.
    public enum Advice: String, Sendable {
        /// Do not reconnect with the same credential; tell the user.
        case stop
        /// Reconnect at once and rejoin with `since` (no backoff needed).
        case reconnectNow = "reconnect_now"
        /// Reconnect with exponential backoff (start ≥ 1 s, cap 60 s) and rejoin with `since`.
        case reconnectWithBackoff = "reconnect_with_backoff"
    }

    public var advice: Advice {
        switch self {
        case .normal, .protocolError, .unsupportedData, .invalidPayload, .messageTooBig,
            .credentialRevoked, .shareRevoked, .shareExpired, .policyViolation:
            .stop
        case .slowConsumer, .idleTimeout: .reconnectNow
        case .goingAway, .internalError, .tryAgainLater, .rateAbuse: .reconnectWithBackoff
        }
    }

    /// The reason sent with 4401 when the token went with its user (`users remove`), instead of
    /// `token revoked`: the client then says the account is gone, not "ask for a new token".
    public static let accountRemovedReason = "account removed"

    /// The reason sent with 4401 when the token reached its expiry (`tokens issue --expires`, or the
    /// grace of `tokens rotate` ended): a new token is the remedy.
    public static let tokenExpiredReason = "token expired"

    /// The reason sent with 4401 when the user was suspended (`users disable`): their tokens work
    /// again once the operator enables them; a new token does not help.
    public static let accountDisabledReason = "account disabled"

    /// The default close reason text sent with this code.
    public var reason: String {
        switch self {
        case .normal: "bye"
        case .goingAway: "server shutting down"
        case .protocolError: "websocket protocol error"
        case .unsupportedData: "binary frames are not accepted; send JSON text"
        case .invalidPayload: "text frame is not valid UTF-8"
        case .policyViolation: "policy violation"
        case .messageTooBig: "message exceeds max_message_bytes"
        case .internalError: "internal server error"
        case .tryAgainLater: "server overloaded; try again later"
        case .credentialRevoked: "token revoked"
        case .shareRevoked: "share link revoked"
        case .slowConsumer: "slow consumer: outbound queue overflowed; reconnect and rejoin with since"
        case .shareExpired: "share link expired"
        case .rateAbuse: "too many requests after rate_limited"
        case .idleTimeout: "idle timeout"
        }
    }
}
