import TandemJSON

/// The operator's listings of users, tokens, the audit log and a session's members and
/// contributions, a page at a time (as sessions and share links are): a page is one
/// `ORDER BY ... LIMIT limit + 1` read, so a listing costs the same memory however many rows the
/// database holds (a session may have 10,000 members), and a script reads them all by following
/// the cursor. `more` says whether anything is left after the page.
extension Store {
    /// Users by id, after the id `after` (which need not exist: ids are ordered as text), each with
    /// the number of their tokens neither revoked nor expired (a disabled user's included: enabled,
    /// they work again).
    public func adminUserPage(after: String? = nil, limit: Int = 100) throws(StoreError)
        -> (users: [(user: User, activeTokens: Int)], more: Bool) {
        let limit = max(1, limit)
        let now = self.now
        return try read { db throws(StoreError) in
            let rows = try db.query("""
                SELECT u.id, u.display_name, u.created_at,
                       (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                          AND (t.expires_at IS NULL OR t.expires_at > ?3)), u.disabled_at
                FROM users u WHERE ?1 IS NULL OR u.id > ?1 ORDER BY u.id LIMIT ?2
                """, [.optional(after), .int(limit + 1), .integer(now)]) {
                (user: User(id: $0.text(0), displayName: $0.text(1), createdAt: $0.int(2), disabledAt: $0.optionalInt(4)),
                 activeTokens: Int($0.int(3)))
            }
            return (Array(rows.prefix(limit)), rows.count > limit)
        }
    }

    /// Tokens of one user (`not_found` when there is no such user) or of everyone, revoked ones
    /// included, oldest first, after the token `after` names (`not_found` when no token has that id).
    public func adminTokenPage(user: String? = nil, after: String? = nil, limit: Int = 100) throws(StoreError)
        -> (tokens: [APIToken], more: Bool) {
        let limit = max(1, limit)
        return try read { db throws(StoreError) in
            if let user, try !db.userExists(user) { throw StoreError.notFound("user \(user)") }
            var from: (createdAt: Int64, id: String) = (.min, "")
            if let after {
                guard let at = try db.scalar("SELECT created_at FROM api_tokens WHERE id = ?", [.text(after)])
                else { throw StoreError.notFound("token \(after)") }
                from = (at, after)
            }
            // One user's come off `api_tokens_user`; everyone's is a scan that keeps `limit + 1` in the sorter.
            let tokens = try db.query("""
                SELECT id, user_id, label, created_at, revoked_at, last_used_at, expires_at FROM api_tokens
                WHERE (?1 IS NULL OR user_id = ?1) AND (created_at, id) > (?2, ?3) ORDER BY created_at, id LIMIT ?4
                """, [.optional(user), .integer(from.createdAt), .text(from.id), .int(limit + 1)]) {
                APIToken(id: $0.text(0), userID: $0.text(1), label: $0.text(2), createdAt: $0.int(3),
                         revokedAt: $0.optionalInt(4), lastUsedAt: $0.optionalInt(5), expiresAt: $0.optionalInt(6))
            }
            return (Array(tokens.prefix(limit)), tokens.count > limit)
        }
    }

    /// Audit entries, newest first, older than the entry `before` (by id), for one session when
    /// `session` is given. A deleted session's entries stay and are listed; `not_found` when no
    /// entry names `session` and no session has that id (a mistyped id, not an empty history).
    public func auditPage(session: String? = nil, before: Int64? = nil, limit: Int = 50) throws(StoreError)
        -> (entries: [AuditEntry], more: Bool) {
        let limit = max(1, limit)
        return try read { db throws(StoreError) in
            let entries = try db.query("""
                SELECT id, at, actor, action, session_id, target, detail FROM audit_log
                WHERE (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3
                """, [.optional(session), .optional(before), .int(limit + 1)]) { row throws(StoreError) in
                AuditEntry(id: row.int(0), at: row.int(1), actor: row.optionalText(2), action: row.text(3),
                           sessionID: row.optionalText(4), target: row.optionalText(5), detail: try row.json(6))
            }
            // Both on an index (audit_session, the id's): a typo costs two lookups, not a scan.
            if let session, entries.isEmpty,
               try db.scalar("SELECT 1 FROM audit_log WHERE session_id = ?1 LIMIT 1", [.text(session)]) == nil,
               try db.scalar("SELECT 1 FROM sessions WHERE id = ?1", [.text(session)]) == nil {
                throw StoreError.notFound("session \(session)")
            }
            return (Array(entries.prefix(limit)), entries.count > limit)
        }
    }

    /// A session's members (no member check) by user id, after the user id `after` (which need not
    /// be a member: ids are ordered as text). `not_found` when there is no such session.
    public func adminMemberPage(session: String, after: String? = nil, limit: Int = 100) throws(StoreError)
        -> (members: [Member], more: Bool) {
        let limit = max(1, limit)
        return try read { db throws(StoreError) in
            let members = try Members.page(db, sid: try db.sessionRef(session, actor: nil).sid, after: after, limit: limit + 1)
            return (Array(members.prefix(limit)), members.count > limit)
        }
    }

    /// A session's per-user counters (no member check) by user id, after the user id `after`
    /// (which need not have any). `not_found` when there is no such session.
    public func adminContributionPage(session: String, after: String? = nil, limit: Int = 100) throws(StoreError)
        -> (contributions: [Contribution], more: Bool) {
        let limit = max(1, limit)
        return try read { db throws(StoreError) in
            let sid = try db.sessionRef(session, actor: nil).sid
            let rows = try Contributions.load(db, "c.sid = ?1 AND (?2 IS NULL OR c.user_id > ?2)", [.integer(sid), .optional(after)],
                                              limit: limit + 1)
            return (Array(rows.prefix(limit)), rows.count > limit)
        }
    }
}
