/// Every failure the store reports, with a stable `code` the server maps to wire error codes.
///
/// Codes are part of the contract: do not rename them. `message` is for humans and logs.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case notFound = "not_found"
        /// The actor is not a member of the session (the wire says not_found: ids must not leak).
        case notMember = "not_member"
        /// The actor was a member of the session and was removed from it (the wire says forbidden:
        /// they knew the session, so naming it tells them nothing new; see `Database.nonMemberRefusal`).
        case removedMember = "removed_member"
        case alreadyExists = "already_exists"
        case sessionPaused = "session_paused"
        case sessionArchived = "session_archived"
        case invalidJSON = "invalid_json"
        case tooLarge = "too_large"
        case conflict = "conflict"
        case forbidden = "forbidden"
        case unauthorized = "unauthorized"
        case invalidArgument = "invalid_argument"
        /// A count limit of `StoreConfiguration` is reached (sessions per user, share links ...).
        case limitExceeded = "limit_exceeded"
        case staleCheckpoint = "stale_checkpoint"
        case invalidState = "invalid_state"
        case schemaTooNew = "schema_too_new"
        /// The database needs migrations this opener was told not to run (`migrates` false).
        case schemaTooOld = "schema_too_old"
        case closed = "closed"
        case busy = "busy"
        case sqlite = "sqlite"
    }

    public var kind: Code
    public var message: String
    /// The SQLite result code, for `.sqlite` errors.
    public var sqliteCode: Int32?
    /// For `invalid_argument`: the request parameter at fault, named as the wire names it
    /// (`base`, `at`, `query`, `cursor`, `document`), when one is.
    public var field: String?
    /// For the `busy` answer to a write that waited `StoreConfiguration.mergeWait`'s limit for a
    /// branch merge (nothing of it written): what it waited for.
    public var mergeWait: MergeWait?

    /// The stable machine-readable code, e.g. `"not_found"`.
    public var code: String { kind.rawValue }
    public var description: String { "\(code): \(message)" }

    public init(_ kind: Code, _ message: String, sqliteCode: Int32? = nil, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqliteCode = sqliteCode
        self.field = field
    }

    /// This error, naming `field` as the parameter at fault if it is a bad argument naming none yet.
    func blaming(_ field: String) -> StoreError {
        guard self.field == nil, kind == .invalidArgument || kind == .invalidJSON else { return self }
        var named = self
        named.field = field
        return named
    }

    static func notFound(_ what: String) -> StoreError { StoreError(.notFound, "\(what) not found") }
    /// The actor is no member of `session`. The message is word for word the one for a session that
    /// does not exist: it reaches the client, and any difference would tell outsiders which ids exist.
    static func notMemberOf(_ session: String) -> StoreError { StoreError(.notMember, "session \(session) not found") }
    static func invalid(_ message: String, field: String? = nil) -> StoreError { StoreError(.invalidArgument, message, field: field) }
    static func forbidden(_ message: String) -> StoreError { StoreError(.forbidden, message) }
}
