/// The count limits of `StoreConfiguration`, checked inside the write that would add one more,
/// so concurrent requests cannot slip past together (the writer runs one job at a time). Each
/// count is an index range scan: `sessions_owner`, `share_links_working` (unrevoked links by
/// expiry: dead ones are not read), the checkpoints' and templates' primary keys. The message names the server setting, so the operator who sees it
/// knows what to raise.
enum Quotas {
    static func requireSessionRoom(_ ctx: WriteContext, owner: String) throws(StoreError) {
        let owned = try ctx.db.scalar("SELECT count(*) FROM sessions WHERE owner = ? AND status <> '\(SessionReaper.status)'",
                                      [.text(owner)]) ?? 0
        try require(owned, below: ctx.configuration.maxSessionsPerUser,
                    "user \(owner) owns \(owned) sessions", setting: "max-sessions-per-user",
                    advice: "delete sessions (or branches) no longer needed")
    }

    static func requireShareLinkRoom(_ ctx: WriteContext, sid: Int64, session: String) throws(StoreError) {
        // Two range scans of the partial index: an OR of both would not use it for the range.
        let working = try ctx.db.scalar("""
            SELECT (SELECT count(*) FROM share_links WHERE sid = ?1 AND revoked_at IS NULL AND expires_at > ?2)
                 + (SELECT count(*) FROM share_links WHERE sid = ?1 AND revoked_at IS NULL AND expires_at IS NULL)
            """, [.integer(sid), .integer(ctx.now)]) ?? 0
        try require(working, below: ctx.configuration.maxShareLinksPerSession,
                    "session \(session) has \(working) working share links", setting: "max-share-links-per-session",
                    advice: "revoke links no longer needed")
    }

    static func requireCheckpointRoom(_ ctx: WriteContext, sid: Int64, session: String) throws(StoreError) {
        let saved = try ctx.db.scalar("SELECT count(*) FROM checkpoints WHERE sid = ?", [.integer(sid)]) ?? 0
        try require(saved, below: ctx.configuration.maxCheckpointsPerSession,
                    "session \(session) has \(saved) checkpoints", setting: "max-checkpoints-per-session",
                    advice: "checkpoints are never deleted over the wire: the server's operator can raise the limit")
    }

    static func requireTemplateRoom(_ ctx: WriteContext, user: String) throws(StoreError) {
        let saved = try ctx.db.scalar("SELECT count(*) FROM templates WHERE created_by = ?", [.text(user)]) ?? 0
        try require(saved, below: ctx.configuration.maxTemplatesPerUser,
                    "user \(user) has \(saved) templates", setting: "max-templates-per-user",
                    advice: "templates are never deleted over the wire: the server's operator can raise the limit")
    }

    private static func require(_ count: Int64, below limit: Int, _ what: String, setting: String, advice: String) throws(StoreError) {
        guard count >= Int64(limit) else { return }
        throw StoreError(.limitExceeded, "\(what), the most allowed (server setting \(setting) = \(limit)); \(advice)")
    }
}
