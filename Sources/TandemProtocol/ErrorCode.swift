/// The closed set of error codes a `tandem.v1` server answers with. Codes are stable: clients branch on
/// them; the `message` next to them is for humans and may change. Adding a code needs a new protocol version.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable {
    /// The frame is JSON but not a request: not an object, or `id` / `op` missing or of the wrong type.
    case badRequest = "bad_request"
    /// The frame is not valid JSON (or not UTF-8, or nested too deeply). The response's `id` is null.
    case invalidJSON = "invalid_json"
    /// `op` names no operation of this protocol version.
    case unknownOp = "unknown_op"
    /// A parameter is missing, of the wrong type, out of range or unknown; `error.field` names it.
    case invalidArgument = "invalid_argument"
    /// The message, or one field of it (turn content, state value, metadata ...), exceeds its limit.
    case tooLarge = "too_large"
    /// The connection's credential no longer authenticates (revoked token, expired share link).
    case unauthorized = "unauthorized"
    /// The caller's role on the session does not allow this operation.
    case forbidden = "forbidden"
    /// The session, turn, member, checkpoint, template, share link or user does not exist (or is not visible).
    case notFound = "not_found"
    /// A resource with this identity already exists (session id, checkpoint name, template name, member).
    case alreadyExists = "already_exists"
    /// The operation contradicts the current state: undo of a turn that is not the last, a nonce reused
    /// with different content, joining a session twice, merging a branch into a moved parent.
    case conflict = "conflict"
    /// The session is paused: turns, state writes and comments are refused until it is resumed.
    case sessionPaused = "session_paused"
    /// The session is archived: it is read-only.
    case sessionArchived = "session_archived"
    /// The checkpoint cannot be restored any more (it lies beyond a later clear or restore).
    case staleCheckpoint = "stale_checkpoint"
    /// `session.join` with a `since` the server can no longer replay exactly (older than the retained
    /// event window, or newer than the head). Rejoin without `since` and reload.
    case resyncRequired = "resync_required"
    /// The connection's request bucket is empty. `error.retry_after_ms` says when to try again.
    case rateLimited = "rate_limited"
    /// A count limit is reached: sessions joined per connection, members per session, share links ...
    case limitExceeded = "limit_exceeded"
    /// The server cannot take the write now (storage full or read-only, shutting down). Retry later.
    case unavailable = "unavailable"
    /// A bug or unexpected failure in the server. The message carries a reference for the logs.
    case `internal` = "internal"

    /// Whether repeating the same request later may succeed without changing it.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .unavailable, .internal: true
        default: false
        }
    }
}
