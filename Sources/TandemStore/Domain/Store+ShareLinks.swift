import TandemJSON

/// When a new share link stops working: at an instant (Unix ms), or a lifetime after its creation.
public enum ShareLinkExpiry: Sendable, Equatable {
    case at(Int64)
    case after(milliseconds: Int64)
}

extension Store {
    /// Creates a read-only share link (admin+). The secret is shown once; only its SHA-256 is kept.
    /// `expiresAt` (Unix ms) is the first instant at which the link no longer works.
    /// `limit_exceeded` when the session has `maxShareLinksPerSession` working links.
    public func createShareLink(session: String, actor: String, expiresAt: Int64?) throws(StoreError) -> IssuedShareLink {
        try createShareLink(session: session, actor: actor, expiry: expiresAt.map { .at($0) })
    }

    /// Creates a read-only share link whose end is an instant or a lifetime; a lifetime counts from the
    /// link's `created`, read from the same clock reading (`expires` = `created` + lifetime exactly).
    public func createShareLink(session: String, actor: String, expiry: ShareLinkExpiry?) throws(StoreError) -> IssuedShareLink {
        let secret = RandomID.secret(prefix: "tds_")
        let id = RandomID.make()
        return try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.shareCreate, session: session, actor: actor)
            let expiresAt: Int64? = switch expiry {
            case .at(let instant): instant
            case .after(let milliseconds): ctx.wall + milliseconds
            case nil: nil
            }
            if let expiresAt, expiresAt <= ctx.wall { throw StoreError.invalid("expiry is in the past") }
            try Quotas.requireShareLinkRoom(ctx, sid: ref.sid, session: session)
            try ctx.db.run("""
                INSERT INTO share_links(id, sid, hash, permission, expires_at, created_by, created_at) VALUES (?,?,?,'read',?,?,?)
                """, [.text(id), .integer(ref.sid), .text(RandomID.hash(secret)), .optional(expiresAt), .text(actor), .integer(ctx.now)])
            try ctx.db.audit(actor: actor, action: .shareCreate, sessionID: session, target: id,
                             detail: ["expires_at": expiresAt.map(JSONValue.integer) ?? .null], now: ctx.now)
            let link = ShareLink(id: id, sessionID: session, permission: "read", expiresAt: expiresAt, createdBy: actor,
                                 createdAt: ctx.now, revokedAt: nil, lastUsedAt: nil)
            return IssuedShareLink(link: link, secret: secret)
        }
    }

    public func shareLinks(session: String, actor: String) throws(StoreError) -> [ShareLink] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.shareList, session: session, actor: actor)
            return try db.query("""
                SELECT id, permission, expires_at, created_by, created_at, revoked_at, last_used_at FROM share_links
                WHERE sid = ? ORDER BY created_at, id
                """, [.integer(ref.sid)]) {
                ShareLink(id: $0.text(0), sessionID: session, permission: $0.text(1), expiresAt: $0.optionalInt(2),
                          createdBy: $0.text(3), createdAt: $0.int(4), revokedAt: $0.optionalInt(5), lastUsedAt: $0.optionalInt(6))
            }
        }
    }

    /// Revokes a link (admin+; idempotent). Audited.
    public func revokeShareLink(session: String, actor: String, linkID: String) throws(StoreError) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.shareRevoke, session: session, actor: actor)
            guard try ctx.db.scalar("SELECT 1 FROM share_links WHERE id = ? AND sid = ?", [.text(linkID), .integer(ref.sid)]) != nil
            else { throw StoreError.notFound("share link \(linkID)") }
            // Revoking again changes nothing and records nothing.
            guard try ctx.db.run("UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                 [.integer(ctx.now), .text(linkID)]) == 1 else { return }
            try ctx.db.audit(actor: actor, action: .shareRevoke, sessionID: session, target: linkID, now: ctx.now)
        }
    }

    /// The link a secret opens: `unauthorized` when unknown, `forbidden` when revoked or expired
    /// (expired from the instant `expiresAt`, to the millisecond). Records the time of use.
    public func resolveShareLink(secret: String) throws(StoreError) -> ShareLink {
        let hash = RandomID.hash(secret)
        return try write { ctx throws(StoreError) in
            guard let link = try ctx.db.queryOne("""
                SELECT l.id, s.id, l.permission, l.expires_at, l.created_by, l.created_at, l.revoked_at, l.last_used_at
                FROM share_links l JOIN sessions s ON s.sid = l.sid WHERE l.hash = ?
                """, [.text(hash)], {
                ShareLink(id: $0.text(0), sessionID: $0.text(1), permission: $0.text(2), expiresAt: $0.optionalInt(3),
                          createdBy: $0.text(4), createdAt: $0.int(5), revokedAt: $0.optionalInt(6), lastUsedAt: $0.optionalInt(7))
            }) else { throw StoreError(.unauthorized, "unknown share link") }
            if link.revokedAt != nil { throw StoreError.forbidden("share link was revoked") }
            if let expiresAt = link.expiresAt, ctx.wall >= expiresAt { throw StoreError.forbidden("share link expired") }
            try ctx.db.run("UPDATE share_links SET last_used_at = ? WHERE id = ?", [.integer(ctx.now), .text(link.id)])
            var used = link
            used.lastUsedAt = ctx.now
            return used
        }
    }

    /// Deletes archived sessions archived more than `olderThan` milliseconds ago. Each purge is
    /// audited. Returns the purged session ids. They are gone when this returns; their rows are
    /// removed in the writer's idle time (`finishDeletes` waits for that).
    public func purgeArchived(olderThan age: Int64, actor: String = "system") throws(StoreError) -> [String] {
        guard age >= 0 else { throw StoreError.invalid("age must not be negative") }
        return try write { ctx throws(StoreError) in
            let doomed = try ctx.db.query("SELECT sid, id FROM sessions WHERE status = 'archived' AND archived_at < ? ORDER BY sid",
                                          [.integer(ctx.now - age)]) { ($0.int(0), $0.text(1)) }
            for (sid, id) in doomed {
                try SessionReaper.hide(ctx, sid: sid, actor: actor)
                try ctx.db.audit(actor: actor, action: .sessionPurge, sessionID: id, now: ctx.now)
            }
            return doomed.map(\.1)
        }
    }

    /// Audit entries, newest first; for one session when `session` is given.
    public func auditLog(session: String? = nil, limit: Int = 100) throws(StoreError) -> [AuditEntry] {
        guard (1...10_000).contains(limit) else { throw StoreError.invalid("limit must be 1...10000") }
        return try read { db throws(StoreError) in
            try db.query("""
                SELECT id, at, actor, action, session_id, target, detail FROM audit_log
                WHERE ?1 IS NULL OR session_id = ?1 ORDER BY id DESC LIMIT ?2
                """, [.optional(session), .int(limit)]) { row throws(StoreError) in
                AuditEntry(id: row.int(0), at: row.int(1), actor: row.optionalText(2), action: row.text(3),
                           sessionID: row.optionalText(4), target: row.optionalText(5), detail: try row.json(6))
            }
        }
    }
}
