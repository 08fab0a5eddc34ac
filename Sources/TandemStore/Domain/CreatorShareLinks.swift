import TandemJSON

/// A share link lasts no longer than its creator's right to create one: an admin removed from a
/// session, demoted below `share.create`'s role, or whose account is removed, takes their links
/// with them. Otherwise off-boarding someone would leave the read access they handed out (a link
/// can live a year) in the hands of whoever holds it. Runs in the transaction of the change, and
/// audits each link as `share.revoke` like a revocation by hand: that audit entry is what makes
/// a running server's access watcher close the link's viewers (4403).
enum CreatorShareLinks {
    /// Revokes the working (unrevoked, unexpired) links `user` created, in one session (`sid`)
    /// or in every session (nil). `reason` goes in each audit entry's detail.
    static func revoke(_ ctx: WriteContext, createdBy user: String, sid: Int64? = nil, actor: String, reason: String) throws(StoreError) {
        let links = try ctx.db.query("""
            SELECT l.id, s.id FROM share_links l JOIN sessions s ON s.sid = l.sid
            WHERE l.created_by = ?1 AND (?2 IS NULL OR l.sid = ?2) AND l.revoked_at IS NULL
              AND (l.expires_at IS NULL OR l.expires_at > ?3) ORDER BY l.sid, l.id
            """, [.text(user), .optional(sid), .integer(ctx.wall)]) { ($0.text(0), $0.text(1)) }
        for (id, session) in links {
            try ctx.db.run("UPDATE share_links SET revoked_at = ? WHERE id = ?", [.integer(ctx.now), .text(id)])
            try ctx.db.audit(actor: actor, action: .shareRevoke, sessionID: session, target: id,
                             detail: ["reason": .string(reason), "created_by": .string(user)], now: ctx.now)
        }
    }

    /// After `user`'s role in a session became `role` (nil: no longer a member): revokes their
    /// links there when that role may not create links.
    static func follow(_ ctx: WriteContext, sid: Int64, user: String, role: Role?, actor: String) throws(StoreError) {
        if let role, Permissions.allows(role: role, operation: .shareCreate) { return }
        try revoke(ctx, createdBy: user, sid: sid, actor: actor,
                   reason: role.map { "creator became \($0.rawValue)" } ?? "creator removed from the session")
    }
}
