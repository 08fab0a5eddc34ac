/// A session's members and contributions, and a user's contributions, a page at a time, as
/// `member.list` and `contributions` answer them. Each page is one seek on a primary key or index
/// from the key of the page before, asking SQLite for one more than `limit` (to know whether any
/// are left), and stops where `budget` is spent: a session may have 10,000 members with long names
/// (12 MB), a user may be a member of 100,000 sessions, and a session keeps a row for everyone who
/// ever contributed, while an answer must stay under `max-page-bytes`.
extension Store {
    /// Members of `session` (read) with user ids after `after` (which need not be a member: ids are
    /// ordered as text, byte by byte), by user id, each with their display name.
    public func memberPage(session: String, actor: String, after: String? = nil,
                           limit: Int, budget: PageBudget) throws(StoreError) -> (members: [ListedMember], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.membersList, session: session, actor: actor)
            // Off the primary key (sid, user_id); the name from `users` by its key.
            return try db.page("""
                SELECT m.user_id, m.role, m.added_at, coalesce(u.display_name, m.user_id) FROM members m
                LEFT JOIN users u ON u.id = m.user_id WHERE m.sid = ?1 AND m.user_id > ?2 ORDER BY m.user_id LIMIT ?3
                """, [.integer(ref.sid), .text(after ?? ""), .int(limit + 1)], limit: limit, budget: budget,
                size: PageBudget.size(of:)) { row in
                ListedMember(member: Member(userID: row.text(0), role: Role(rawValue: row.text(1)) ?? .read, addedAt: row.int(2)),
                             displayName: row.text(3))
            }
        }
    }

    /// One member of `session` with their display name (the caller must be able to list members);
    /// nil when `user` is none.
    public func listedMember(session: String, actor: String, user: String) throws(StoreError) -> ListedMember? {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.membersList, session: session, actor: actor)
            return try db.queryOne("""
                SELECT m.role, m.added_at, coalesce(u.display_name, m.user_id) FROM members m
                LEFT JOIN users u ON u.id = m.user_id WHERE m.sid = ? AND m.user_id = ?
                """, [.integer(ref.sid), .text(user)]) { row in
                ListedMember(member: Member(userID: user, role: Role(rawValue: row.text(0)) ?? .read, addedAt: row.int(1)),
                             displayName: row.text(2))
            }
        }
    }

    /// Per-user counters of `session` (read) with user ids after `after`, by user id; only `user`'s
    /// row when `user` is given. Removed members keep theirs, so this is not bounded by the
    /// members cap.
    public func contributionPage(session: String, actor: String, user: String? = nil, after: String? = nil,
                                 limit: Int, budget: PageBudget) throws(StoreError) -> (contributions: [Contribution], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.contributions, session: session, actor: actor)
            // Off the primary key (sid, user_id).
            return try db.page("""
                SELECT ?4, c.user_id, \(Contributions.counterColumns) FROM contributions c
                WHERE c.sid = ?1 AND c.user_id > ?2 AND (?5 IS NULL OR c.user_id = ?5) ORDER BY c.user_id LIMIT ?3
                """, [.integer(ref.sid), .text(after ?? ""), .int(limit + 1), .text(session), .optional(user)],
                limit: limit, budget: budget, size: PageBudget.size(of:), Contributions.map)
        }
    }

    /// `user`'s counters in the sessions they are a member of (not in a copy someone else imported,
    /// or a session they were removed from), in the order the sessions were created, after the
    /// session `after` (a session `user` has counters in: `not_found` otherwise, one deleted since
    /// included).
    public func contributionPage(user: String, after: String? = nil,
                                 limit: Int, budget: PageBudget) throws(StoreError) -> (contributions: [Contribution], more: Bool) {
        try read { db throws(StoreError) in
            // The order is the internal sid, so that a page is a seek on `contributions_user`
            // (user_id, sid) whatever the session ids; `after` finds its sid among the user's own
            // rows, so it tells nothing about sessions the user never worked in.
            var from: Int64 = 0
            if let after {
                guard let sid = try db.scalar("""
                    SELECT c.sid FROM sessions s JOIN contributions c ON c.sid = s.sid AND c.user_id = ?1 WHERE s.id = ?2
                    """, [.text(user), .text(after)])
                else { throw StoreError(.notFound, "\(user) has no contributions in a session \(after)", field: "after") }
                from = sid
            }
            return try db.page("""
                SELECT s.id, c.user_id, \(Contributions.counterColumns) FROM contributions c
                JOIN sessions s ON s.sid = c.sid
                WHERE c.user_id = ?1 AND c.sid > ?2 AND EXISTS (SELECT 1 FROM members m WHERE m.sid = c.sid AND m.user_id = ?1)
                ORDER BY c.sid LIMIT ?3
                """, [.text(user), .integer(from), .int(limit + 1)], limit: limit, budget: budget,
                size: PageBudget.size(of:), Contributions.map)
        }
    }
}

/// A member with the display name `member.list` shows.
public struct ListedMember: Sendable, Equatable {
    public var member: Member
    public var displayName: String
}
