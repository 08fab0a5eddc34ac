import TandemJSON

extension Store {
    /// Ids the audit log uses for actions of the operator (`tandem-admin`) and of the store itself.
    public static let reservedUserIDs: Set<String> = ["admin", "system"]

    /// Creates a user; `id` is generated when nil. `already_exists` when the id is taken. `actor` is
    /// who the audit log says made it: the operator (`admin`) or tandemd's first start (`system`).
    public func createUser(id: String? = nil, displayName: String, actor: String = "admin") throws(StoreError) -> User {
        let id = id ?? RandomID.make()
        try Validate.identifier(id, what: "user id")
        // The audit log names the operator's own actions "admin" and the store's "system": a user
        // of that name could not be told apart from them.
        guard !Self.reservedUserIDs.contains(id) else {
            throw StoreError.invalid("user id \(id) is reserved (the audit log names the operator's actions so); choose another")
        }
        try Validate.text(displayName, what: "display name", max: configuration.maxTitleBytes)
        return try write { ctx throws(StoreError) in
            if try ctx.db.userExists(id) { throw StoreError(.alreadyExists, "user \(id) already exists") }
            // A removed user's id stays theirs: turns, comments and contributions still name it,
            // and a newcomer under it would be credited with them (the audit log never forgets).
            if try ctx.db.scalar("SELECT 1 FROM audit_log WHERE action = 'user.remove' AND target = ? LIMIT 1", [.text(id)]) != nil {
                throw StoreError(.alreadyExists, "user id \(id) belonged to a removed user, whose turns still name it; choose another id")
            }
            return try Self.insertUser(ctx, id: id, displayName: displayName, actor: actor)
        }
    }

    /// Writes user `id` and its audit entry (the checks are the caller's).
    static func insertUser(_ ctx: WriteContext, id: String, displayName: String, actor: String) throws(StoreError) -> User {
        try ctx.db.run("INSERT INTO users(id, display_name, created_at) VALUES (?,?,?)",
                       [.text(id), .text(displayName), .integer(ctx.now)])
        try ctx.db.audit(actor: actor, action: .userAdd, sessionID: nil, target: id, now: ctx.now)
        return User(id: id, displayName: displayName, createdAt: ctx.now)
    }

    public func user(id: String) throws(StoreError) -> User {
        let found = try read { db throws(StoreError) in
            try db.queryOne("SELECT id, display_name, created_at, disabled_at FROM users WHERE id = ?", [.text(id)]) {
                User(id: $0.text(0), displayName: $0.text(1), createdAt: $0.int(2), disabledAt: $0.optionalInt(3))
            }
        }
        guard let found else { throw StoreError.notFound("user \(id)") }
        return found
    }

    public func renameUser(id: String, displayName: String) throws(StoreError) {
        try Validate.text(displayName, what: "display name", max: configuration.maxTitleBytes)
        try write { ctx throws(StoreError) in
            guard try ctx.db.run("UPDATE users SET display_name = ? WHERE id = ?", [.text(displayName), .text(id)]) == 1
            else { throw StoreError.notFound("user \(id)") }
        }
    }

    /// Issues a token (its secret is returned once and stored hashed); audited as `token.issue` by
    /// `actor`. `lifetime` (ms, > 0): it stops authenticating that long after it is issued (nil: never).
    public func createToken(userID: String, label: String, lifetime: Int64? = nil, actor: String = "admin") throws(StoreError) -> IssuedToken {
        try Validate.text(label, what: "token label", max: configuration.maxTitleBytes, allowEmpty: true)
        if let lifetime, lifetime <= 0 { throw StoreError.invalid("a token's lifetime must be positive") }
        return try write { ctx throws(StoreError) in
            guard try ctx.db.userExists(userID) else { throw StoreError.notFound("user \(userID)") }
            return try Self.insertToken(ctx, userID: userID, label: label, lifetime: lifetime, actor: actor)
        }
    }

    /// Issues a new token for `userID` (its secret made here, only its hash stored) with its audit
    /// entry (the checks are the caller's).
    /// `lifetime` (ms) counts from the clock as the job began (`ctx.wall`), not from `created_at`,
    /// which may be held behind it; it is kept so that a rotation gives it again exactly.
    static func insertToken(_ ctx: WriteContext, userID: String, label: String, lifetime: Int64? = nil, actor: String,
                            action: AuditAction = .tokenIssue, detail more: [String: JSONValue] = [:]) throws(StoreError) -> IssuedToken {
        let secret = RandomID.secret(prefix: "tdm_")
        let id = RandomID.make()
        let expiresAt = lifetime.map { ctx.wall + $0 }
        try ctx.db.run("INSERT INTO api_tokens(id, user_id, hash, label, created_at, expires_at, lifetime_ms) VALUES (?,?,?,?,?,?,?)",
                       [.text(id), .text(userID), .text(RandomID.hash(secret)), .text(label), .integer(ctx.now), .optional(expiresAt),
                        .integer(lifetime ?? 0)])
        var detail: [String: JSONValue] = ["user": .string(userID), "label": .string(label)]
        if let expiresAt { detail["expires_at"] = .integer(expiresAt) }
        try ctx.db.audit(actor: actor, action: action, sessionID: nil, target: id,
                         detail: .object(detail.merging(more) { first, _ in first }), now: ctx.now)
        return IssuedToken(token: APIToken(id: id, userID: userID, label: label, createdAt: ctx.now,
                                           revokedAt: nil, lastUsedAt: nil, expiresAt: expiresAt), secret: secret)
    }

    /// The user a token secret belongs to; `unauthorized` for unknown, revoked or expired tokens and
    /// for a disabled user's. Records the time of use.
    public func authenticate(tokenSecret: String) throws(StoreError) -> User {
        let hash = RandomID.hash(tokenSecret)
        return try write { ctx throws(StoreError) in
            let found = try ctx.db.queryOne("""
                SELECT t.id, t.revoked_at, u.id, u.display_name, u.created_at, t.expires_at, u.disabled_at
                FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?
                """, [.text(hash)]) { row in
                TokenIdentity(tokenID: row.text(0),
                              user: User(id: row.text(2), displayName: row.text(3), createdAt: row.int(4), disabledAt: row.optionalInt(6)),
                              revoked: !row.isNull(1), expiresAt: row.optionalInt(5))
            }
            guard let found, found.end(now: ctx.now) == nil else {
                throw StoreError(.unauthorized, "unknown, revoked or expired token, or a disabled user's")
            }
            let (tokenID, user) = (found.tokenID, found.user)
            try ctx.db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [.integer(ctx.now), .text(tokenID)])
            return user
        }
    }

    public func tokens(userID: String) throws(StoreError) -> [APIToken] {
        try read { db throws(StoreError) in
            try db.query("""
                SELECT id, user_id, label, created_at, revoked_at, last_used_at, expires_at FROM api_tokens
                WHERE user_id = ? ORDER BY created_at, id
                """, [.text(userID)]) {
                APIToken(id: $0.text(0), userID: $0.text(1), label: $0.text(2), createdAt: $0.int(3),
                         revokedAt: $0.optionalInt(4), lastUsedAt: $0.optionalInt(5), expiresAt: $0.optionalInt(6))
            }
        }
    }

    /// Revokes a token (idempotent). `not_found` for an unknown token id.
    public func revokeToken(id: String) throws(StoreError) {
        try write { ctx throws(StoreError) in
            guard let userID = try ctx.db.queryOne("SELECT user_id FROM api_tokens WHERE id = ?", [.text(id)], { $0.text(0) })
            else { throw StoreError.notFound("token \(id)") }
            try ctx.db.run("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                           [.integer(ctx.now), .text(id)])
            try ctx.db.audit(actor: userID, action: .tokenRevoke, sessionID: nil, target: id, now: ctx.now)
        }
    }
}
