import TandemJSON

/// The trusted operator's path (the `tandem-admin` CLI): whoever can open the database file is
/// trusted, so none of these checks a member role. Every change of access or destructive change
/// writes an audit entry with `actor` (default "admin"): a running server's access watcher polls
/// the audit log, so that entry is what makes the change reach live connections.
extension Store {
    /// Every user, by id.
    public func adminUsers() throws(StoreError) -> [User] {
        try read { db throws(StoreError) in
            try db.query("SELECT id, display_name, created_at, disabled_at FROM users ORDER BY id") {
                User(id: $0.text(0), displayName: $0.text(1), createdAt: $0.int(2), disabledAt: $0.optionalInt(3))
            }
        }
    }

    /// Deletes a user with their tokens and memberships, and revokes the share links they created
    /// (`CreatorShareLinks`). `invalid_state` while the user owns a
    /// session or is the only owner member of one (delete those sessions or grant another owner
    /// first). Each membership removal is recorded in its session's change log (live clients get a
    /// `member` event); audited as `user.remove`.
    public func adminRemoveUser(id: String, actor: String = "admin") throws(StoreError) {
        // Sessions of theirs still being deleted name them as owner: the delete steps finish them
        // first (finished inside the removal's transaction, a big one would hold up every commit).
        if try read({ db throws(StoreError) in try !SessionReaper.owned(by: id, db).isEmpty }) { try finishDeletes() }
        try write { ctx throws(StoreError) in
            let db = ctx.db
            guard try db.userExists(id) else { throw StoreError.notFound("user \(id)") }
            // Sessions with another owner pass to that owner (`Members.keepOwnerCurrent` below).
            let owned = try db.query("""
                SELECT id FROM sessions s WHERE owner = ?1 AND status NOT IN \(SessionReaper.hiddenStatuses)
                  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.sid = s.sid AND m.role = 'owner' AND m.user_id <> ?1) ORDER BY id LIMIT 5
                """, [.text(id)]) { $0.text(0) }
            if !owned.isEmpty {
                throw StoreError(.invalidState, "user \(id) is the only owner of session(s) \(owned.joined(separator: ", ")); delete them or make another member owner first")
            }
            if try db.scalar("SELECT 1 FROM sessions WHERE owner = ? AND status = '\(SessionImport.status)'", [.text(id)]) != nil {
                throw StoreError(.invalidState, "user \(id) owns a session being imported; try again when the import is done")
            }
            let memberships = try db.query("""
                SELECT s.sid, s.id, m.role FROM members m JOIN sessions s ON s.sid = m.sid WHERE m.user_id = ? ORDER BY s.sid
                """, [.text(id)]) { ($0.int(0), $0.text(1), $0.text(2)) }
            for (sid, _, role) in memberships where role == Role.owner.rawValue {
                try Members.requireAnotherOwner(db, sid: sid, besides: id)
            }
            for (sid, session, role) in memberships {
                try db.run("DELETE FROM members WHERE sid = ? AND user_id = ?", [.integer(sid), .text(id)])
                try Members.keepOwnerCurrent(db, sid: sid)
                try db.audit(actor: actor, action: .memberRemove, sessionID: session, target: id,
                             detail: ["from": .string(role)], now: ctx.now)
                try ctx.recordEvent(sid: sid, kind: "member", actor: actor, data: ["user": .string(id), "role": .null])
            }
            // A session of theirs deleted since the wait above still names them as owner: finish it here.
            for sid in try SessionReaper.owned(by: id, db) {
                while try SessionReaper.step(ctx, sid: sid, maxRows: ctx.configuration.deleteStepRows) {}
            }
            // The read access they handed out goes with them, in every session (links made in one
            // they had already left are included: those made before links followed their creators).
            try CreatorShareLinks.revoke(ctx, createdBy: id, actor: actor, reason: "creator's account removed")
            // Their templates hold copies of rows only they could use: gone with them.
            try db.run("DELETE FROM templates WHERE created_by = ?", [.text(id)])
            // Tokens go with the user (ON DELETE CASCADE); the watcher treats missing tokens as revoked.
            try db.run("DELETE FROM users WHERE id = ?", [.text(id)])
            try db.audit(actor: actor, action: .userRemove, sessionID: nil, target: id, now: ctx.now)
        }
    }

    /// Every token of every user (revoked ones included), oldest first.
    public func adminTokens() throws(StoreError) -> [APIToken] {
        try read { db throws(StoreError) in
            try db.query("""
                SELECT id, user_id, label, created_at, revoked_at, last_used_at, expires_at FROM api_tokens ORDER BY created_at, id
                """) {
                APIToken(id: $0.text(0), userID: $0.text(1), label: $0.text(2), createdAt: $0.int(3),
                         revokedAt: $0.optionalInt(4), lastUsedAt: $0.optionalInt(5), expiresAt: $0.optionalInt(6))
            }
        }
    }

    /// Revokes a token as the operator (idempotent: false when it already was, and nothing is
    /// written). `not_found` for an unknown id. Audited.
    @discardableResult
    public func adminRevokeToken(id: String, actor: String = "admin") throws(StoreError) -> Bool {
        try write { ctx throws(StoreError) in
            guard let userID = try ctx.db.queryOne("SELECT user_id FROM api_tokens WHERE id = ?", [.text(id)], { $0.text(0) })
            else { throw StoreError.notFound("token \(id)") }
            guard try ctx.db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                 [.integer(ctx.now), .text(id)]) == 1 else { return false }
            try ctx.db.audit(actor: actor, action: .tokenRevoke, sessionID: nil, target: id,
                             detail: ["user": .string(userID)], now: ctx.now)
            return true
        }
    }

    /// Adds `user` to `session` with `role`, or changes their role. The last owner cannot be
    /// demoted (`invalid_state`). Audited and recorded in the change log like `setMember`.
    /// Returns the change-log seq (nil when the role was already `role`: nothing is written).
    @discardableResult
    public func adminSetMember(session: String, user: String, role: Role, actor: String = "admin") throws(StoreError) -> Int64? {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.sessionRef(session, actor: nil)
            guard try ctx.db.userExists(user) else { throw StoreError.notFound("user \(user)") }
            let current = try Members.role(ctx.db, sid: ref.sid, user: user)
            if current == role { return nil }
            return try Members.put(ctx, ref, user: user, role: role, current: current, actor: actor)
        }
    }

    /// Removes `user` from `session`. `not_found` when not a member; the last owner stays
    /// (`invalid_state`). Audited and recorded in the change log.
    @discardableResult
    public func adminRemoveMember(session: String, user: String, actor: String = "admin") throws(StoreError) -> Int64 {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.sessionRef(session, actor: nil)
            guard let current = try Members.role(ctx.db, sid: ref.sid, user: user) else {
                throw StoreError.notFound("member \(user)")
            }
            return try Members.remove(ctx, ref, user: user, current: current, actor: actor)
        }
    }

    /// Creates a read-only share link as the operator (`created_by` is `actor`). Audited.
    public func adminCreateShareLink(session: String, expiresAt: Int64?, actor: String = "admin") throws(StoreError) -> IssuedShareLink {
        let secret = RandomID.secret(prefix: "tds_")
        let id = RandomID.make()
        return try write { ctx throws(StoreError) in
            let ref = try ctx.db.sessionRef(session, actor: nil)
            if let expiresAt, expiresAt <= ctx.wall { throw StoreError.invalid("expiry is in the past") }
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

    /// Share links of one session (`not_found` when it does not exist) or of every session,
    /// revoked and expired ones included when `includeRevoked`, oldest first: at most `limit`
    /// created after the link `after` names (`not_found` when no link has that id), and whether
    /// more are left. A page is read with `ORDER BY ... LIMIT`, so SQLite keeps at most `limit + 1`
    /// rows in its sorter however many links there are (10^5 links were one 10^5-row answer).
    public func adminShareLinkPage(session: String? = nil, includeRevoked: Bool = false, after: String? = nil,
                                   limit: Int = 100) throws(StoreError) -> (links: [ShareLink], more: Bool) {
        let now = now
        let limit = max(1, limit)
        return try read { db throws(StoreError) in
            let sid = try session.map { (id) throws(StoreError) in try db.sessionRef(id, actor: nil).sid }
            var from: (createdAt: Int64, id: String) = (.min, "")
            if let after {
                guard let at = try db.scalar("SELECT created_at FROM share_links WHERE id = ?", [.text(after)])
                else { throw StoreError.notFound("share link \(after)") }
                from = (at, after)
            }
            // One session's page comes off `share_links_created` (sid, created_at, id) in order; every
            // session's is a scan that keeps the first `limit + 1` in SQLite's sorter.
            let links = try db.query("""
                SELECT l.id, s.id, l.permission, l.expires_at, l.created_by, l.created_at, l.revoked_at, l.last_used_at
                FROM share_links l JOIN sessions s ON s.sid = l.sid WHERE \(sid == nil ? "?1 IS NULL" : "l.sid = ?1")
                  AND (?2 OR (l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > ?3)))
                  AND (l.created_at, l.id) > (?4, ?5) ORDER BY l.created_at, l.id LIMIT ?6
                """, [.optional(sid), .int(includeRevoked ? 1 : 0), .integer(now), .integer(from.createdAt), .text(from.id),
                      .int(limit + 1)]) {
                ShareLink(id: $0.text(0), sessionID: $0.text(1), permission: $0.text(2), expiresAt: $0.optionalInt(3),
                          createdBy: $0.text(4), createdAt: $0.int(5), revokedAt: $0.optionalInt(6), lastUsedAt: $0.optionalInt(7))
            }
            return (Array(links.prefix(limit)), links.count > limit)
        }
    }

    /// Every share link of one session or of every session (see `adminShareLinkPage`), read page by
    /// page: for tests and small stores; the admin CLI pages.
    public func adminShareLinks(session: String? = nil, includeRevoked: Bool = false) throws(StoreError) -> [ShareLink] {
        var all: [ShareLink] = []
        var after: String? = nil
        while true {
            let page = try adminShareLinkPage(session: session, includeRevoked: includeRevoked, after: after, limit: 1000)
            all += page.links
            guard page.more, let last = page.links.last else { return all }
            after = last.id
        }
    }

    /// Revokes a share link by its id, whatever its session (idempotent: false when it already
    /// was, and nothing is written). Audited.
    @discardableResult
    public func adminRevokeShareLink(id: String, actor: String = "admin") throws(StoreError) -> Bool {
        try write { ctx throws(StoreError) in
            guard let session = try ctx.db.queryOne("SELECT s.id FROM share_links l JOIN sessions s ON s.sid = l.sid WHERE l.id = ?",
                                                    [.text(id)], { $0.text(0) })
            else { throw StoreError.notFound("share link \(id)") }
            guard try ctx.db.run("UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                 [.integer(ctx.now), .text(id)]) == 1 else { return false }
            try ctx.db.audit(actor: actor, action: .shareRevoke, sessionID: session, target: id, now: ctx.now)
            return true
        }
    }

    /// Archives a session (from active or paused; `invalid_state` when already archived).
    /// Recorded in the change log (`status`) and audited.
    public func adminArchiveSession(id: String, actor: String = "admin") throws(StoreError) -> Session {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.sessionRef(id, actor: nil)
            guard ref.status != .archived else { throw StoreError(.invalidState, "session \(id) is already archived") }
            try ctx.db.run("UPDATE sessions SET status = 'archived', paused_at = NULL, archived_at = ? WHERE sid = ?",
                           [.integer(ctx.now), .integer(ref.sid)])
            try ctx.recordEvent(sid: ref.sid, kind: "status", actor: actor, data: ["status": .string(SessionStatus.archived.rawValue)])
            try ctx.db.audit(actor: actor, action: .sessionArchive, sessionID: id, now: ctx.now)
            return try SessionRows.load(ctx.db, sid: ref.sid)
        }
    }

    /// Deletes a session and everything in it. Audited. Returns once every row is gone: the
    /// session disappears in one short transaction, then the writer removes its rows a step (a
    /// transaction) at a time, pausing between steps as `stepPause` says, so that a server
    /// using the same database keeps committing meanwhile (see `SessionReaper`).
    public func adminDeleteSession(id: String, actor: String = "admin") throws(StoreError) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.sessionRef(id, actor: nil)
            try SessionReaper.hide(ctx, sid: ref.sid, actor: actor)
            try ctx.db.audit(actor: actor, action: .sessionDelete, sessionID: id, now: ctx.now)
        }
        try finishDeletes()
    }

    /// The export document of a session (see `exportSession`), without a member check.
    public func adminExportSession(id: String) throws(StoreError) -> JSONValue {
        // A read snapshot: another process's staged counters are committed with its writes, and
        // this process stages none, so contributions are exact without holding the write lock.
        try read { db throws(StoreError) in try SessionExport.export(db, sid: try db.sessionRef(id, actor: nil).sid) }
    }

    /// The same document as `adminExportSession`, byte for byte as its `serialized()`, written
    /// to `sink` in chunks of about `chunkBytes` while it is read from one snapshot: a session of
    /// any size costs one chunk of memory. `sink` returns false to stop (the export then fails
    /// with `closed`).
    public func adminWriteExport(id: String, chunkBytes: Int = 1 << 20, to sink: @escaping @Sendable ([UInt8]) -> Bool) throws(StoreError) {
        try read { db throws(StoreError) in
            let writer = ExportTextWriter(chunkBytes: chunkBytes, sink: sink)
            try SessionExport.emit(db, sid: try db.sessionRef(id, actor: nil).sid, into: writer)
            try writer.finish()
        }
    }
}
