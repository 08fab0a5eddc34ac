/// Paged lists of a session's comments, checkpoints and share links, and of a user's templates.
/// Each reads at most `limit` items (asking SQLite for one more, to know whether any are left)
/// and stops where `budget` is spent, as `statePage` does: a list grows without bound (10^5
/// comments were one 8.4 MB answer) while an answer must not.
extension Store {
    /// Comments of one turn, or of the whole session, with ids above `after`, in id order; only on
    /// turns `history` shows with `liveTurnsOnly` (a share link's view). `more` when some are left.
    public func commentPage(session: String, actor: String, turnSeq: Int64? = nil, after: Int64 = 0, liveTurnsOnly: Bool = false,
                            limit: Int, budget: PageBudget) throws(StoreError) -> (comments: [Comment], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            let live = liveTurnsOnly ? """
                 AND EXISTS (SELECT 1 FROM turns t WHERE t.sid = c.sid AND t.seq = c.turn_seq AND t.state = 0 AND \(TurnRetirements.notRetired("t")))
                """ : ""
            // One turn's comments by the (sid, turn_seq) index (its entries are in id order); all of
            // them by the primary key from `after`.
            return try db.page("""
                SELECT id, turn_seq, author, body, created_at FROM comments c
                WHERE sid = ?1 AND (?2 IS NULL OR turn_seq = ?2) AND id > ?3\(live) ORDER BY id LIMIT ?4
                """, [.integer(ref.sid), .optional(turnSeq), .integer(after), .int(limit + 1)], limit: limit, budget: budget,
                size: PageBudget.size(of:)) { row throws(StoreError) in
                Comment(id: row.int(0), sessionID: session, turnSeq: row.int(1), author: row.text(2), body: row.text(3),
                        createdAt: row.int(4), eventSeq: nil)
            }
        }
    }

    /// Checkpoints saved after the one named `after`, oldest first, without their row maps.
    /// `not_found` when `after` names no checkpoint of the session.
    public func checkpointPage(session: String, actor: String, after: String? = nil,
                               limit: Int, budget: PageBudget) throws(StoreError) -> (checkpoints: [CheckpointSummary], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.checkpointList, session: session, actor: actor)
            var from: (createdAt: Int64, name: String) = (.min, "")
            if let after {
                guard let at = try db.scalar("SELECT created_at FROM checkpoints WHERE sid = ? AND name = ?", [.integer(ref.sid), .text(after)])
                else { throw StoreError(.notFound, "session \(session) has no checkpoint named \(after)") }
                from = (at, after)
            }
            // `checkpoints_listing` covers every column read: the row maps are never touched.
            return try db.page("""
                SELECT name, turn_seq, row_count, created_by, created_at FROM checkpoints
                WHERE sid = ?1 AND (created_at, name) > (?2, ?3) ORDER BY created_at, name LIMIT ?4
                """, [.integer(ref.sid), .integer(from.createdAt), .text(from.name), .int(limit + 1)], limit: limit, budget: budget,
                size: PageBudget.size(of:)) { row in
                CheckpointSummary(name: row.text(0), turnSeq: row.int(1), rowCount: row.int(2), createdBy: row.text(3), createdAt: row.int(4))
            }
        }
    }

    /// Share links created before the one `after` names, newest first: working ones only (not
    /// revoked, not expired) unless `includeRevoked`. `not_found` when `after` names no link of
    /// the session.
    public func shareLinkPage(session: String, actor: String, includeRevoked: Bool = false, after: String? = nil,
                              limit: Int, budget: PageBudget) throws(StoreError) -> (links: [ShareLink], more: Bool) {
        let now = now
        return try read { db throws(StoreError) in
            let ref = try db.authorize(.shareList, session: session, actor: actor)
            var before: (createdAt: Int64, id: String)? = nil
            if let after {
                guard let at = try db.scalar("SELECT created_at FROM share_links WHERE sid = ? AND id = ?", [.integer(ref.sid), .text(after)])
                else { throw StoreError.notFound("share link \(after)") }
                before = (at, after)
            }
            let from = before == nil ? "" : " AND (created_at, id) < (?2, ?3)"
            let working = includeRevoked ? "" : " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?5)"
            // Working links through their partial index (at most the quota of them, sorted here):
            // the planner would rather walk `share_links_created` for its order, through every
            // dead link the session has (30,000: 20 ms for a page of 50).
            let index = includeRevoked ? "" : " INDEXED BY share_links_working"
            return try db.page("""
                SELECT id, permission, expires_at, created_by, created_at, revoked_at, last_used_at FROM share_links\(index)
                WHERE sid = ?1\(from)\(working) ORDER BY created_at DESC, id DESC LIMIT ?4
                """, [.integer(ref.sid), .integer(before?.createdAt ?? 0), .text(before?.id ?? ""), .int(limit + 1)]
                    + (includeRevoked ? [] : [.integer(now)]),
                limit: limit, budget: budget, size: PageBudget.size(of:)) { row in
                ShareLink(id: row.text(0), sessionID: session, permission: row.text(1), expiresAt: row.optionalInt(2),
                          createdBy: row.text(3), createdAt: row.int(4), revokedAt: row.optionalInt(5), lastUsedAt: row.optionalInt(6))
            }
        }
    }

    /// The templates `user` saved, named after `after`, by name, without their bodies.
    public func templatePage(of user: String, after: String? = nil,
                             limit: Int, budget: PageBudget) throws(StoreError) -> (templates: [TemplateSummary], more: Bool) {
        try read { db throws(StoreError) in
            // `templates_listing` covers every column read: the bodies are never touched.
            try db.page("""
                SELECT name, source, created_by, created_at FROM templates WHERE created_by = ?1 AND name > ?2 ORDER BY name LIMIT ?3
                """, [.text(user), .text(after ?? ""), .int(limit + 1)], limit: limit, budget: budget, size: PageBudget.size(of:)) { row in
                TemplateSummary(name: row.text(0), source: row.text(1), createdBy: row.text(2), createdAt: row.int(3))
            }
        }
    }
}

extension Database {
    /// The rows of `sql` (which should ask for one more than `limit`) mapped, while fewer than
    /// `limit` are taken and `budget` holds them; `more` when a row was left over.
    func page<T>(_ sql: String, _ values: [SQLValue], limit: Int, budget: PageBudget, size: (T) -> Int,
                 _ map: (Row) throws(StoreError) -> T) throws(StoreError) -> ([T], Bool) {
        var budget = budget
        var items: [T] = []
        var more = false
        try forEachWhile(sql, values) { row throws(StoreError) -> Bool in
            let item = try map(row)
            guard items.count < limit, budget.take(size(item)) else {
                more = true
                return false
            }
            items.append(item)
            return true
        }
        return (items, more)
    }
}
