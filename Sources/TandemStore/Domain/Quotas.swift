/// The count limits of `StoreConfiguration`, checked inside the write that would add one more,
/// so concurrent requests cannot slip past together (the writer runs one job at a time). Each
/// count is an index range scan: `share_links_working` (unrevoked links by
/// expiry: dead ones are not read), the checkpoints' and templates' primary keys. A session's
/// rows, comments and members, and a user's sessions, are not counted at all: triggers keep their
/// numbers in `session_counts` (`Schema.sessionCounts`) and `owner_counts` (`Schema.ownerCounts`),
/// one primary-key read each. The message names the server
/// setting, so the operator who sees it knows what to raise.
enum Quotas {
    static func requireSessionRoom(_ ctx: WriteContext, owner: String) throws(StoreError) {
        // Trigger-kept (`Schema.ownerCounts`): one primary-key read, however many the owner has.
        let owned = try ctx.db.scalar("SELECT session_count FROM owner_counts WHERE user_id = ?", [.text(owner)]) ?? 0
        try require(owned, below: ctx.configuration.maxSessionsPerUser,
                    "user \(owner) owns \(owned) sessions", setting: "max-sessions-per-user",
                    advice: "delete sessions (or branches) no longer needed")
    }

    static func requireShareLinkRoom(_ ctx: WriteContext, sid: Int64, session: String) throws(StoreError) {
        // Two range scans of the partial index: an OR of both would not use it for the range.
        let working = try ctx.db.scalar("""
            SELECT (SELECT count(*) FROM share_links WHERE sid = ?1 AND revoked_at IS NULL AND expires_at > ?2)
                 + (SELECT count(*) FROM share_links WHERE sid = ?1 AND revoked_at IS NULL AND expires_at IS NULL)
            """, [.integer(sid), .integer(ctx.wall)]) ?? 0
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

    /// Room for the row `key` in session `sid`, before it is written (`Rows.store`, which every
    /// state write goes through: `state.put`, merges, restores, templates). At the cap only a new
    /// key is refused: writing an existing row adds nothing, so the key is looked up only then.
    static func requireRowRoom(_ ctx: WriteContext, sid: Int64, key: String) throws(StoreError) {
        let limit = ctx.configuration.maxRowsPerSession
        let held = try count("row_count", ctx.db, sid: sid)
        guard held >= Int64(limit) else { return }
        if try ctx.db.scalar("SELECT 1 FROM state_rows WHERE sid = ? AND key = ?", [.integer(sid), .text(key)]) != nil { return }
        try require(held, below: limit, "session \(try name(ctx.db, sid: sid)) has \(held) rows", setting: "max-rows-per-session",
                    advice: "rows are never deleted over the wire: write to the keys it has, or start another session")
    }

    /// Room for one more comment in session `sid` (`comment`, each comment a branch merge carries).
    static func requireCommentRoom(_ ctx: WriteContext, sid: Int64) throws(StoreError) {
        let held = try count("comment_count", ctx.db, sid: sid)
        guard held >= Int64(ctx.configuration.maxCommentsPerSession) else { return }
        try require(held, below: ctx.configuration.maxCommentsPerSession, "session \(try name(ctx.db, sid: sid)) has \(held) comments",
                    setting: "max-comments-per-session",
                    advice: "comments are never deleted over the wire: the server's operator can raise the limit")
    }

    /// Room for one more member in session `sid` (a new member: a role change adds none).
    static func requireMemberRoom(_ ctx: WriteContext, sid: Int64) throws(StoreError) {
        let held = try count("member_count", ctx.db, sid: sid)
        guard held >= Int64(ctx.configuration.maxMembersPerSession) else { return }
        try require(held, below: ctx.configuration.maxMembersPerSession, "session \(try name(ctx.db, sid: sid)) has \(held) members",
                    setting: "max-members-per-session", advice: "remove members no longer needed")
    }

    /// After a step of a claimed import into the hidden session `sid` (records of `list`): what it
    /// holds so far is within the rows, comments and checkpoints caps (checked as it grows, so a
    /// document far over one stops at the first step past it, not at the end). Checkpoints are not
    /// trigger-counted: they are counted after a step of them only, an index range of the session's.
    static func requireImportRoom(_ ctx: WriteContext, sid: Int64, list: String) throws(StoreError) {
        let config = ctx.configuration
        for (column, limit, what, setting) in [("row_count", config.maxRowsPerSession, "rows", "max-rows-per-session"),
                                              ("comment_count", config.maxCommentsPerSession, "comments", "max-comments-per-session")] {
            try requireImported(try count(column, ctx.db, sid: sid), within: limit, what, setting: setting)
        }
        if list == "checkpoints" {
            let saved = try ctx.db.scalar("SELECT count(*) FROM checkpoints WHERE sid = ?", [.integer(sid)]) ?? 0
            try requireImported(saved, within: config.maxCheckpointsPerSession, "checkpoints", setting: "max-checkpoints-per-session")
        }
    }

    private static func requireImported(_ held: Int64, within limit: Int, _ what: String, setting: String) throws(StoreError) {
        guard held > Int64(limit) else { return }
        throw StoreError(.limitExceeded, """
            the document has more than \(limit) \(what), the most one session may hold (server setting \(setting) = \(limit)); \
            the server's operator can raise the limit, or import it with tandem-admin
            """)
    }

    /// One of `session_counts`' columns for session `sid` (0 when it has no counts row).
    static func count(_ column: String, _ db: Database, sid: Int64) throws(StoreError) -> Int64 {
        try db.scalar("SELECT \(column) FROM session_counts WHERE sid = ?", [.integer(sid)]) ?? 0
    }

    /// The public id of session `sid`, for a message.
    static func name(_ db: Database, sid: Int64) throws(StoreError) -> String {
        try db.queryOne("SELECT id FROM sessions WHERE sid = ?", [.integer(sid)]) { $0.text(0) } ?? "#\(sid)"
    }

    static func require(_ count: Int64, below limit: Int, _ what: String, setting: String, advice: String) throws(StoreError) {
        guard count >= Int64(limit) else { return }
        throw StoreError(.limitExceeded, "\(what), the most allowed (server setting \(setting) = \(limit)); \(advice)")
    }
}
