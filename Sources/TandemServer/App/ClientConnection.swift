import Synchronization
import TandemTransport

/// Who is on the other end of a connection, fixed at the handshake.
enum ClientIdentity: Sendable, Equatable {
    /// A user, authenticated by an API token.
    case member(user: String, tokenID: String)
    /// A share-link viewer: read-only, one session, anonymous.
    case viewer(linkID: String, session: String, expiresAt: Int64?)

    var userID: String? {
        if case .member(let user, _) = self { return user }
        return nil
    }

    /// Who, for logs: the user, or the share link's id (never its secret).
    var logName: String {
        switch self {
        case .member(let user, _): "user \(user)"
        case .viewer(let linkID, _, _): "share \(linkID)"
        }
    }
}

/// The server's state for one WebSocket connection, attached as the transport's context.
final class ClientConnection: Sendable {
    let identity: ClientIdentity
    private struct State {
        var joined: Set<String> = []
        var bucket: TokenBucket
        /// When requests were refused, within the abuse window. Never more than `abuseLimit + 1`: the
        /// refusal past it closes the connection, whose messages are then no longer dispatched. So
        /// trimming it by a scan is cheap enough (200 entries: ~1.5 µs a refusal, against ~9 µs to
        /// decode the request and encode its answer; at most 200 refusals per window, 20/s kept up).
        var refusals: [Double] = []
        /// When the token promised to the last refused request comes (see `admit`).
        var promised = -Double.infinity
        var cutOff = false
        var tokenExpiresAt: Int64?
    }
    private let state: Mutex<State>

    /// `Authenticator.generation` before the handshake authenticated.
    let authGeneration: UInt64
    /// A viewer's place under `max-viewers-per-address` (`ConnectionRegistry.viewerPlace`),
    /// given back with the connection's; nil for members, or with no such limit.
    let addressPlace: String?
    /// A member's share of posts in flight (`PostShares`), held as long as the connection; nil for viewers.
    let postShare: PostShares.Share?

    init(identity: ClientIdentity, bucket: TokenBucket, authGeneration: UInt64 = 0, addressPlace: String? = nil,
         tokenExpiresAt: Int64? = nil, postShare: PostShares.Share? = nil) {
        self.identity = identity
        self.authGeneration = authGeneration
        self.addressPlace = addressPlace
        self.postShare = postShare
        self.state = Mutex(State(bucket: bucket, tokenExpiresAt: tokenExpiresAt))
    }

    /// When a member's token stops authenticating (Unix ms; nil: never, and always for viewers).
    /// Not part of `identity`: a rotation's grace gives a token an expiry after its connections
    /// opened, and the access watcher sets it here then.
    var tokenExpiresAt: Int64? {
        get { state.withLock { $0.tokenExpiresAt } }
    }

    func setTokenExpiresAt(_ at: Int64?) { state.withLock { $0.tokenExpiresAt = at } }

    /// Takes a request token. On refusal, returns the seconds to wait and whether the client has
    /// been refused more than `abuseLimit` times within `abuseWindow` seconds (then it is closed).
    /// Each refusal waits for a token of its own, one refill after the one promised before it:
    /// requests refused together and each sent again after its own wait find a token each, where
    /// the same wait for all brought them back together for one token (refused again, and again,
    /// until 4429).
    func admit(now: Double, abuseLimit: Int, abuseWindow: Double) -> (admitted: Bool, retryAfter: Double, abusive: Bool) {
        state.withLock { s in
            if s.bucket.take(now: now) { return (true, 0, false) }
            s.refusals.append(now)
            s.refusals.removeAll { $0 < now - abuseWindow }
            let next = now + s.bucket.secondsUntilAvailable(now: now)
            s.promised = max(next, s.promised + 1 / s.bucket.ratePerSecond)
            return (false, s.promised - now, s.refusals.count > abuseLimit)
        }
    }

    var joinedSessions: Set<String> { state.withLock { $0.joined } }

    /// Marks the connection's access cut (its link revoked or expired, its token revoked); true
    /// the first time only, so the cut is told and logged once while the close completes.
    func markCutOff() -> Bool {
        state.withLock { s in
            defer { s.cutOff = true }
            return !s.cutOff
        }
    }

    func isJoined(_ session: String) -> Bool { state.withLock { $0.joined.contains(session) } }

    /// Marks `session` joined; false if it already was, or if `limit` sessions are already joined.
    func markJoined(_ session: String, limit: Int) -> JoinMark {
        state.withLock { s in
            if s.joined.contains(session) { return .alreadyJoined }
            if s.joined.count >= limit { return .limitReached }
            s.joined.insert(session)
            return .marked
        }
    }

    enum JoinMark { case marked, alreadyJoined, limitReached }

    /// Unmarks `session`; false if it was not joined.
    @discardableResult
    func markLeft(_ session: String) -> Bool { state.withLock { $0.joined.remove(session) != nil } }

    /// Unmarks every session and returns them (on close).
    func leaveAll() -> Set<String> {
        state.withLock { s in
            let all = s.joined
            s.joined = []
            return all
        }
    }
}

extension WebSocketConnection {
    /// The server's state for this connection (set at the handshake).
    var client: ClientConnection? { contextObject as? ClientConnection }
}
