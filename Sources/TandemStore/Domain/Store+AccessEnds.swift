import TandemJSON

/// The operator's ways to end access without removing anyone: suspending a user (reversible) and
/// rotating a token. Each writes an audit entry, which is what makes a running server's access
/// watcher recheck its live connections (`Store+Admin`).
extension Store {
    /// Suspends (`disabled` true) or restores user `id`. Suspended, every token of theirs is refused
    /// and their live connections close; their tokens, memberships, templates, turns and share links
    /// stay as they are, so enabling restores access with the same tokens. Returns false when the
    /// user already was in that state (nothing is written). `not_found` for an unknown user.
    /// Audited as `user.disable` / `user.enable`.
    @discardableResult
    public func adminSetUserDisabled(id: String, disabled: Bool, actor: String = "admin") throws(StoreError) -> Bool {
        try write { ctx throws(StoreError) in
            guard try ctx.db.userExists(id) else { throw StoreError.notFound("user \(id)") }
            let changed = try ctx.db.run(disabled
                ? "UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL"
                : "UPDATE users SET disabled_at = NULL WHERE id = ?2 AND disabled_at IS NOT NULL",
                [.integer(ctx.now), .text(id)]) == 1
            guard changed else { return false }
            try ctx.db.audit(actor: actor, action: disabled ? .userDisable : .userEnable, sessionID: nil, target: id, now: ctx.now)
            return true
        }
    }

    /// What `users disable` warns about: the sessions `id` owns (at most `limit`, by id) and how many
    /// share links they made still work (both keep working while they are suspended).
    public func adminSuspensionNotes(id: String, limit: Int = 5) throws(StoreError) -> (ownedSessions: [String], liveShareLinks: Int) {
        let now = self.now
        return try read { db throws(StoreError) in
            let owned = try db.query("""
                SELECT id FROM sessions WHERE owner = ?1 AND status NOT IN \(SessionReaper.hiddenStatuses) ORDER BY id LIMIT ?2
                """, [.text(id), .int(limit)]) { $0.text(0) }
            let links = try db.scalar("""
                SELECT count(*) FROM share_links WHERE created_by = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                """, [.text(id), .integer(now)]) ?? 0
            return (owned, Int(links))
        }
    }

    /// Replaces token `id` with a new secret for the same user and label, in one transaction: the new
    /// token (returned, its secret shown once) lives as long as the old one was given (its expiry
    /// counted again from now; none when it had none); the old one stops working after `grace` ms
    /// (0: at once, as revoked; else it expires then, or sooner when it already would). `not_found`
    /// for an unknown token, `invalid_state` for one already revoked or expired (issue a new one).
    /// Audited as `token.rotate` on the new token, naming the one it replaces.
    public func adminRotateToken(id: String, grace: Int64 = 0, actor: String = "admin") throws(StoreError) -> IssuedToken {
        guard grace >= 0 else { throw StoreError.invalid("a rotation's grace must not be negative") }
        return try write { ctx throws(StoreError) in
            let db = ctx.db
            guard let old = try db.queryOne("""
                SELECT user_id, label, created_at, revoked_at, expires_at, lifetime_ms FROM api_tokens WHERE id = ?
                """, [.text(id)], { ($0.text(0), $0.text(1), $0.int(2), $0.optionalInt(3), $0.optionalInt(4), $0.optionalInt(5)) })
            else { throw StoreError.notFound("token \(id)") }
            let (user, label, createdAt, revokedAt, expiresAt, issuedLifetime) = old
            if revokedAt != nil { throw StoreError(.invalidState, "token \(id) is revoked; issue a new one: tandem-admin tokens issue \(user)") }
            if let expiresAt, expiresAt <= ctx.wall {
                throw StoreError(.invalidState, "token \(id) has expired; issue a new one: tandem-admin tokens issue \(user)")
            }
            // Kept since migration 29 (0: none); older rows give it back from their times, shorter by
            // the lag when issued while time stamps were held behind the clock.
            let lifetime: Int64? = switch issuedLifetime {
            case let issued?: issued > 0 ? issued : nil
            case nil: expiresAt.map { max(1, $0 - createdAt) }
            }
            let ends = ctx.wall + grace
            if grace == 0 {
                try db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [.integer(ctx.now), .text(id)])
            } else if expiresAt.map({ $0 > ends }) ?? true {
                try db.run("UPDATE api_tokens SET expires_at = ? WHERE id = ?", [.integer(ends), .text(id)])
            }
            return try Self.insertToken(ctx, userID: user, label: label, lifetime: lifetime, actor: actor,
                                        action: .tokenRotate, detail: ["replaces": .string(id), "grace_ms": .integer(grace)])
        }
    }
}
