import TandemCrypto
import TandemJSON

/// A token's identity as the server needs it at a handshake.
public struct TokenIdentity: Sendable, Equatable {
    public var tokenID: String
    public var user: User
    public var revoked: Bool
    /// When it stops authenticating (nil: never). Kept with the identity so a cached one is refused
    /// on time from memory, without a read per handshake.
    public var expiresAt: Int64? = nil

    /// Why it does not authenticate at `now` (Unix ms); nil when it does (`TokenEnd.of`).
    public func end(now: Int64) -> TokenEnd? {
        TokenEnd.of(revoked: revoked, disabled: user.disabledAt != nil, expiresAt: expiresAt, now: now)
    }
}

/// Read-only lookups for authentication and for watching access while connections stay open.
/// None of these writes (a handshake must not wait for a commit); uses are recorded separately
/// with the non-blocking `recordTokenUse` / `recordShareLinkUse`.
extension Store {
    /// The SHA-256 (hex) under which a token or share secret is stored and looked up. Secrets are
    /// only ever compared in this form, so how long a comparison takes says nothing about the secret.
    public static func secretDigest(_ secret: String) -> String { RandomID.hash(secret) }

    /// The token whose secret this is, revoked or not; nil when unknown. `readerWait`: as in
    /// `read(readerWait:)`.
    public func lookupToken(secret: String, readerWait: Double? = nil) throws(StoreError) -> TokenIdentity? {
        let hash = RandomID.hash(secret)
        let found = try read(readerWait: readerWait) { db throws(StoreError) in
            try db.queryOne("""
                SELECT t.id, t.revoked_at, u.id, u.display_name, u.created_at, t.hash, t.expires_at, u.disabled_at
                FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?
                """, [.text(hash)]) { row in
                (TokenIdentity(tokenID: row.text(0),
                               user: User(id: row.text(2), displayName: row.text(3), createdAt: row.int(4), disabledAt: row.optionalInt(7)),
                               revoked: !row.isNull(1), expiresAt: row.optionalInt(6)), row.text(5))
            }
        }
        // The index found it by digest; the decision itself is a constant-time comparison.
        guard let (identity, stored) = found, constantTimeEquals(Array(stored.utf8), Array(hash.utf8)) else { return nil }
        return identity
    }

    /// The share link whose secret this is, in any state; nil when unknown. `readerWait`: as in
    /// `read(readerWait:)` (`busy` when no reader came free in time).
    public func lookupShareLink(secret: String, readerWait: Double? = nil) throws(StoreError) -> ShareLink? {
        let hash = RandomID.hash(secret)
        let found = try read(readerWait: readerWait) { db throws(StoreError) in
            try db.queryOne("""
                SELECT l.id, s.id, l.permission, l.expires_at, l.created_by, l.created_at, l.revoked_at, l.last_used_at, l.hash
                FROM share_links l JOIN sessions s ON s.sid = l.sid WHERE l.hash = ?
                """, [.text(hash)]) {
                (ShareLink(id: $0.text(0), sessionID: $0.text(1), permission: $0.text(2), expiresAt: $0.optionalInt(3),
                           createdBy: $0.text(4), createdAt: $0.int(5), revokedAt: $0.optionalInt(6), lastUsedAt: $0.optionalInt(7)),
                 $0.text(8))
            }
        }
        // As for tokens: found by digest, decided by a constant-time comparison.
        guard let (link, stored) = found, constantTimeEquals(Array(stored.utf8), Array(hash.utf8)) else { return nil }
        return link
    }

    /// Records that a token was used, without waiting for the commit.
    public func recordTokenUse(tokenID: String) {
        writer.submit(deferrable: true, { ctx throws(StoreError) in
            _ = try ctx.db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [.integer(ctx.now), .text(tokenID)])
        }, completion: { _ in })
    }

    /// Records that a share link was used, without waiting for the commit.
    public func recordShareLinkUse(linkID: String) {
        writer.submit(deferrable: true, { ctx throws(StoreError) in
            _ = try ctx.db.run("UPDATE share_links SET last_used_at = ? WHERE id = ?", [.integer(ctx.now), .text(linkID)])
        }, completion: { _ in })
    }

    /// How many users exist (zero on a new database).
    public func userCount() throws(StoreError) -> Int {
        try read { db throws(StoreError) in Int(try db.scalar("SELECT count(*) FROM users") ?? 0) }
    }

    /// The newest audit entry's id (0 for none). Every change of access (tokens, roles, members,
    /// share links) writes an audit entry, whichever process made it, so a change here is the cue
    /// to re-check live connections. `readerWait`: as in `read(readerWait:)`.
    public func auditHighWater(readerWait: Double? = nil) throws(StoreError) -> Int64 {
        try read(readerWait: readerWait) { db throws(StoreError) in try db.scalar("SELECT coalesce(max(id), 0) FROM audit_log") ?? 0 }
    }

    /// The audit entries after `id` up to `through`, oldest first, at most `limit` of them: which
    /// access changes happened since the access watcher last looked (it rechecks only the
    /// connections and sessions they name).
    public func accessChanges(after id: Int64, through: Int64, limit: Int) throws(StoreError) -> [AccessChange] {
        try read { db throws(StoreError) in
            try db.query("""
                SELECT action, session_id, target, json_extract(detail, '$.replaces') FROM audit_log
                WHERE id > ? AND id <= ? ORDER BY id LIMIT ?
                """, [.integer(id), .integer(through), .integer(Int64(limit))]) {
                AccessChange(action: $0.text(0), session: $0.optionalText(1), target: $0.optionalText(2), replaces: $0.optionalText(3))
            }
        }
    }

    /// The state of each of these token ids at `now` (default: the store's clock): ended, with why
    /// (revoked, expired, its user disabled, or gone with its user: tokens are deleted only by their
    /// user's removal, `ON DELETE CASCADE`), or live until its expiry. The access watcher keeps live
    /// connections to both: a rotation's grace gives a token an expiry after its connections
    /// opened; one cut is told which end: "ask for a new token" is no advice to someone whose
    /// account is gone.
    public func tokenStates(among ids: [String], now: Int64? = nil) throws(StoreError) -> [String: TokenState] {
        guard !ids.isEmpty else { return [:] }
        let now = now ?? self.now
        return try read { db throws(StoreError) in
            var states = Dictionary(ids.map { ($0, TokenState.ended(.accountRemoved)) }, uniquingKeysWith: { first, _ in first })
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let found = try db.query("""
                    SELECT t.id, t.revoked_at IS NOT NULL, t.expires_at, u.disabled_at IS NOT NULL
                    FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id IN (\(marks))
                    """, chunk.map { .text($0) }) { ($0.text(0), $0.int(1) != 0, $0.optionalInt(2), $0.int(3) != 0) }
                for (id, revoked, expiresAt, disabled) in found {
                    let end = TokenEnd.of(revoked: revoked, disabled: disabled, expiresAt: expiresAt, now: now)
                    states[id] = end.map { .ended($0) } ?? .live(expiresAt: expiresAt)
                }
            }
            return states
        }
    }

    /// The current state of these share links (missing ones are left out: their session is gone).
    public func shareLinks(ids: [String]) throws(StoreError) -> [String: ShareLink] {
        guard !ids.isEmpty else { return [:] }
        return try read { db throws(StoreError) in
            var found: [String: ShareLink] = [:]
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let links = try db.query("""
                    SELECT l.id, s.id, l.permission, l.expires_at, l.created_by, l.created_at, l.revoked_at, l.last_used_at
                    FROM share_links l JOIN sessions s ON s.sid = l.sid WHERE l.id IN (\(marks))
                    """, chunk.map { .text($0) }) {
                    ShareLink(id: $0.text(0), sessionID: $0.text(1), permission: $0.text(2), expiresAt: $0.optionalInt(3),
                              createdBy: $0.text(4), createdAt: $0.int(5), revokedAt: $0.optionalInt(6), lastUsedAt: $0.optionalInt(7))
                }
                for link in links { found[link.id] = link }
            }
            return found
        }
    }

    /// Every member role of these sessions, keyed by session id then user id. A session that is
    /// gone maps to nil (absent key).
    public func memberRoles(sessions ids: [String]) throws(StoreError) -> [String: [String: Role]] {
        guard !ids.isEmpty else { return [:] }
        return try read { db throws(StoreError) in
            var roles: [String: [String: Role]] = [:]
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let present = try db.query("SELECT id FROM sessions WHERE id IN (\(marks))", chunk.map { .text($0) }) { $0.text(0) }
                for id in present { roles[id] = [:] }
                let rows = try db.query("""
                    SELECT s.id, m.user_id, m.role FROM members m JOIN sessions s ON s.sid = m.sid WHERE s.id IN (\(marks))
                    """, chunk.map { .text($0) }) { ($0.text(0), $0.text(1), Role(rawValue: $0.text(2))) }
                for (session, user, role) in rows { if let role { roles[session, default: [:]][user] = role } }
            }
            return roles
        }
    }

    /// The last event seq and the `created` of each of these sessions (gone sessions are left out).
    public func eventHeads(sessions ids: [String]) throws(StoreError) -> [String: SessionHead] {
        guard !ids.isEmpty else { return [:] }
        return try read { db throws(StoreError) in
            var heads: [String: SessionHead] = [:]
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for (id, head) in try db.query("SELECT id, last_event_seq, created_at FROM sessions WHERE id IN (\(marks))",
                                               chunk.map { .text($0) }, { ($0.text(0), SessionHead(eventSeq: $0.int(1), created: $0.int(2))) }) {
                    heads[id] = head
                }
            }
            return heads
        }
    }
}

extension Store {
    /// The last change-log number session `id` (the one made at `created`) reached before it was
    /// deleted, by this process or another; nil when it was not deleted (or before this was kept).
    public func retiredHead(session id: String, created: Int64) throws(StoreError) -> Int64? {
        try read { db throws(StoreError) in try SessionIncarnation.retiredHead(db, id: id, created: created) }
    }

    /// The last changes of session `id` (the one made at `created`) before it was deleted, by this
    /// process or another, oldest first (`RetiredTail`: recent ones only, bounded); none when it was
    /// not deleted (or before they were kept).
    public func retiredTail(session id: String, created: Int64) throws(StoreError) -> [ChangeEvent] {
        try read { db throws(StoreError) in try SessionIncarnation.retiredTail(db, id: id, created: created) }
    }

    /// Session `id` (the one made at `created`) as it stood when it was deleted, by this process or
    /// another, with the last change-log number it reached; nil when it was not deleted (or before
    /// this was kept).
    public func retiredSession(id: String, created: Int64) throws(StoreError) -> Session? {
        try read { db throws(StoreError) in try SessionIncarnation.retiredSession(db, id: id, created: created) }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// Why a token stopped authenticating (`tokenStates(among:)`, `TokenIdentity.end(now:)`).
public enum TokenEnd: Sendable, Equatable {
    /// Revoked (`tandem-admin tokens revoke`): the user may be issued a new one.
    case revoked
    /// Deleted with its user (`users remove`).
    case accountRemoved
    /// Past its expiry (`tokens issue --expires`, or a rotation's grace ended).
    case expired
    /// Its user is suspended (`users disable`); `users enable` makes it work again.
    case disabled

    /// Why a token with these values (its row's, and its user's suspension) does not authenticate
    /// at `now` (Unix ms); nil when it does. Revoked before disabled before expired: the most
    /// lasting reason is the one told. The one decision for a handshake and for live connections.
    public static func of(revoked: Bool, disabled: Bool, expiresAt: Int64?, now: Int64) -> TokenEnd? {
        if revoked { return .revoked }
        if disabled { return .disabled }
        if let expiresAt, expiresAt <= now { return .expired }
        return nil
    }
}

/// A token's state for the access watcher (`tokenStates(among:)`).
public enum TokenState: Sendable, Equatable {
    case ended(TokenEnd)
    /// Authenticates until `expiresAt` (nil: until revoked).
    case live(expiresAt: Int64?)
}

/// One audit entry as the access watcher reads it: the action, its session and target (a token,
/// link or user id), and for a rotation the token it replaces.
public struct AccessChange: Sendable, Equatable {
    /// As written: an `AuditAction`'s raw value, or a name this build does not write (a newer
    /// build's), which a reader must take as unknown.
    public var action: String
    public var session: String?
    public var target: String?
    public var replaces: String?

    public init(action: String, session: String? = nil, target: String? = nil, replaces: String? = nil) {
        self.action = action
        self.session = session
        self.target = target
        self.replaces = replaces
    }
}
