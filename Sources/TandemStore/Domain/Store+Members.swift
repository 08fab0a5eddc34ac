import TandemJSON

extension Store {
    /// The role of `user` in `session`, or nil for non-members (no permission check: the server
    /// uses it to authorize).
    public func role(session: String, user: String) throws(StoreError) -> Role? {
        try read { db throws(StoreError) in try db.sessionRef(session, actor: user).role }
    }

    /// Adds `user` with `role`, or changes their role (admin+; only owners touch owners; the last
    /// owner cannot be demoted). Audited; recorded in the change log. `limit_exceeded` when
    /// `user` is new and the session has `maxMembersPerSession`.
    @discardableResult
    public func setMember(session: String, actor: String, user: String, role: Role) throws(StoreError) -> Int64 {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.membersAdd, session: session, actor: actor)
            guard try ctx.db.userExists(user) else { throw StoreError.notFound("user \(user)") }
            let current = try Members.role(ctx.db, sid: ref.sid, user: user)
            guard Permissions.mayChangeRole(actorRole: ref.role ?? .read, targetCurrent: current, newRole: role) else {
                throw StoreError.forbidden("role \(ref.role?.rawValue ?? "none") may not make \(user) \(role.rawValue)")
            }
            // A new member needs room; a role change adds none. The operator (`adminSetMember`) is not held to it.
            if current == nil { try Quotas.requireMemberRoom(ctx, sid: ref.sid) }
            return try Members.put(ctx, ref, user: user, role: role, current: current, actor: actor)
        }
    }

    /// Removes a member (admin+; members may also remove themselves). Audited.
    @discardableResult
    public func removeMember(session: String, actor: String, user: String) throws(StoreError) -> Int64 {
        try write { ctx throws(StoreError) in
            let ref: SessionRef
            if actor == user {
                ref = try ctx.db.authorize(.sessionGet, session: session, actor: actor)
            } else {
                ref = try ctx.db.authorize(.membersRemove, session: session, actor: actor)
            }
            guard let current = try Members.role(ctx.db, sid: ref.sid, user: user) else {
                throw StoreError.notFound("member \(user)")
            }
            if actor != user && !Permissions.mayChangeRole(actorRole: ref.role ?? .read, targetCurrent: current, newRole: nil) {
                throw StoreError.forbidden("role \(ref.role?.rawValue ?? "none") may not remove \(user)")
            }
            return try Members.remove(ctx, ref, user: user, current: current, actor: actor)
        }
    }
}

enum Members {
    static func list(_ db: Database, sid: Int64) throws(StoreError) -> [Member] {
        try page(db, sid: sid, after: nil, limit: .max)
    }

    /// The first `limit` members by user id after `after` (nil: from the first), off the primary key.
    static func page(_ db: Database, sid: Int64, after: String?, limit: Int) throws(StoreError) -> [Member] {
        try db.query("""
            SELECT user_id, role, added_at FROM members WHERE sid = ?1 AND (?2 IS NULL OR user_id > ?2) ORDER BY user_id LIMIT ?3
            """, [.integer(sid), .optional(after), .integer(Int64(min(limit, Int(Int64.max))))]) {
            Member(userID: $0.text(0), role: Role(rawValue: $0.text(1)) ?? .read, addedAt: $0.int(2))
        }
    }

    static func role(_ db: Database, sid: Int64, user: String) throws(StoreError) -> Role? {
        try db.queryOne("SELECT role FROM members WHERE sid = ? AND user_id = ?", [.integer(sid), .text(user)]) {
            Role(rawValue: $0.text(0))
        } ?? nil
    }

    /// Gives `user` (now `current`, nil when not a member) `role` in the session: the last owner
    /// stays one; their share links go when `role` may not create links (`CreatorShareLinks`). Audited, recorded in the change log (returns its seq), and the session's
    /// `owner` follows if it stopped being one.
    static func put(_ ctx: WriteContext, _ ref: SessionRef, user: String, role: Role, current: Role?,
                    actor: String) throws(StoreError) -> Int64 {
        if current == .owner && role != .owner { try requireAnotherOwner(ctx.db, sid: ref.sid, besides: user) }
        try ctx.db.run("""
            INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)
            ON CONFLICT(sid, user_id) DO UPDATE SET role = excluded.role
            """, [.integer(ref.sid), .text(user), .text(role.rawValue), .integer(ctx.now)])
        try keepOwnerCurrent(ctx.db, sid: ref.sid)
        try CreatorShareLinks.follow(ctx, sid: ref.sid, user: user, role: role, actor: actor)
        try ctx.db.audit(actor: actor, action: current == nil ? .memberAdd : .memberRole, sessionID: ref.id,
                         target: user, detail: ["from": current.map { .string($0.rawValue) } ?? .null, "to": .string(role.rawValue)],
                         now: ctx.now)
        return try ctx.recordEvent(sid: ref.sid, kind: "member", actor: actor, data: ["user": .string(user), "role": .string(role.rawValue)])
    }

    /// Removes `user` (now `current`) from the session, with the share links they created there, like `put`.
    static func remove(_ ctx: WriteContext, _ ref: SessionRef, user: String, current: Role, actor: String) throws(StoreError) -> Int64 {
        if current == .owner { try requireAnotherOwner(ctx.db, sid: ref.sid, besides: user) }
        try ctx.db.run("DELETE FROM members WHERE sid = ? AND user_id = ?", [.integer(ref.sid), .text(user)])
        try keepOwnerCurrent(ctx.db, sid: ref.sid)
        try CreatorShareLinks.follow(ctx, sid: ref.sid, user: user, role: nil, actor: actor)
        try ctx.db.audit(actor: actor, action: .memberRemove, sessionID: ref.id, target: user,
                         detail: ["from": .string(current.rawValue)], now: ctx.now)
        return try ctx.recordEvent(sid: ref.sid, kind: "member", actor: actor, data: ["user": .string(user), "role": .null])
    }

    /// `sessions.owner` names an owner member: when the one it names stopped being one, the
    /// longest-standing owner takes its place (the session always keeps one).
    static func keepOwnerCurrent(_ db: Database, sid: Int64) throws(StoreError) {
        try db.run("""
            UPDATE sessions SET owner = (SELECT user_id FROM members WHERE sid = ?1 AND role = 'owner' ORDER BY added_at, user_id LIMIT 1)
            WHERE sid = ?1 AND NOT EXISTS (SELECT 1 FROM members WHERE sid = ?1 AND role = 'owner' AND user_id = sessions.owner)
              AND EXISTS (SELECT 1 FROM members WHERE sid = ?1 AND role = 'owner')
            """, [.integer(sid)])
    }

    static func requireAnotherOwner(_ db: Database, sid: Int64, besides user: String) throws(StoreError) {
        let others = try db.scalar("SELECT count(*) FROM members WHERE sid = ? AND role = 'owner' AND user_id <> ?",
                                   [.integer(sid), .text(user)]) ?? 0
        if others == 0 { throw StoreError(.invalidState, "a session must keep at least one owner") }
    }
}

extension Store {
    /// Attaches a comment to a live turn (comment+; an undone, cleared or rewound turn answers
    /// `invalid_state`). Comments are not turns and take no turn seq; they are in the change log
    /// (`comment` events) so live clients and recovery see them. `limit_exceeded` when the
    /// session has `maxCommentsPerSession`.
    public func addComment(session: String, actor: String, turnSeq: Int64, body: String) throws(StoreError) -> Comment {
        try Validate.text(body, what: "comment", max: configuration.maxCommentBytes)
        return try write(deferrable: true) { ctx throws(StoreError) in
            let ref = try ctx.authorizeChange(.comment, session: session, actor: actor)
            guard let stored = try ctx.db.scalar("SELECT state FROM turns WHERE sid = ? AND seq = ?", [.integer(ref.sid), .integer(turnSeq)])
            else { throw StoreError.notFound("turn \(turnSeq)") }
            // A turn that left history for good (undo, clear and restore are never reversed) takes no new comments.
            let state = try TurnRetirements.load(ctx.db, sid: ref.sid).state(TurnState(rawValue: stored) ?? .live, seq: turnSeq)
            guard state == .live else { throw StoreError(.invalidState, "turn \(turnSeq) is \(state.name) and takes no comments") }
            try Quotas.requireCommentRoom(ctx, sid: ref.sid)
            try ctx.db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (?,?,?,?,?)",
                           [.integer(ref.sid), .integer(turnSeq), .text(actor), .text(body), .integer(ctx.now)])
            let id = ctx.db.lastInsertRowID
            let eventSeq = try ctx.recordEvent(sid: ref.sid, kind: "comment", actor: actor, turnSeq: turnSeq,
                                               data: ["id": .integer(id), "body": .string(body)])
            ctx.count(sid: ref.sid, user: actor, ContributionCounts(comments: 1))
            return Comment(id: id, sessionID: session, turnSeq: turnSeq, author: actor, body: body, createdAt: ctx.now,
                           eventSeq: eventSeq)
        }
    }

    /// Comments of one turn, or of the whole session when `turnSeq` is nil, oldest first.
    /// With `liveTurnsOnly`, only comments on turns `history` shows (not undone, cleared or rewound).
    public func comments(session: String, actor: String, turnSeq: Int64? = nil, liveTurnsOnly: Bool = false) throws(StoreError) -> [Comment] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            let live = liveTurnsOnly ? """
                 AND EXISTS (SELECT 1 FROM turns t WHERE t.sid = c.sid AND t.seq = c.turn_seq AND t.state = 0 AND \(TurnRetirements.notRetired("t")))
                """ : ""
            return try db.query("""
                SELECT id, turn_seq, author, body, created_at FROM comments c WHERE sid = ? AND (?2 IS NULL OR turn_seq = ?2)\(live) ORDER BY id
                """, [.integer(ref.sid), .optional(turnSeq)]) {
                Comment(id: $0.int(0), sessionID: session, turnSeq: $0.int(1), author: $0.text(2), body: $0.text(3), createdAt: $0.int(4),
                        eventSeq: nil)
            }
        }
    }
}

enum Contributions {
    /// The counters, after the session id and user id, in the order `map` reads them.
    static let counterColumns = "c.turns, c.tokens_in, c.tokens_out, c.comments, c.row_writes, c.merges, c.conflicts, c.undos"

    /// The counters matching `condition`, by session id then user id; the first `limit` of them.
    static func load(_ db: Database, _ condition: String, _ args: [SQLValue], limit: Int = .max) throws(StoreError) -> [Contribution] {
        try db.query("""
            SELECT s.id, c.user_id, \(counterColumns)
            FROM contributions c JOIN sessions s ON s.sid = c.sid WHERE \(condition) ORDER BY s.id, c.user_id LIMIT \(limit)
            """, args, map)
    }

    /// A row of session id, user id and `counterColumns`.
    static func map(_ row: Row) -> Contribution {
        Contribution(sessionID: row.text(0), userID: row.text(1), counts: ContributionCounts(
            turns: row.int(2), tokensIn: CountBound.held(row.int(3)), tokensOut: CountBound.held(row.int(4)), comments: row.int(5),
            rowWrites: row.int(6), merges: row.int(7), conflicts: row.int(8), undos: row.int(9)))
    }
}
