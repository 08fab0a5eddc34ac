/// Users removed from a session (`member.remove`, `tandem-admin revoke`, a user's removal), as the
/// audit log records them. A non-member is told a session does not exist (`not_found`) so ids do
/// not leak; one who was a member knew it exists, and hearing `not_found` on reconnecting left them
/// thinking it had gone. They are told they were removed (`forbidden`) instead.
enum FormerMembers {
    /// What ends a session id's incarnation in the audit log: a removal logged before one of these
    /// was from an earlier session of the same id, which tells nothing about today's.
    private static let endings = "('session.delete', 'branch.discard', 'session.purge')"

    /// The last removal of `user` from the session `sessionID` names now: who removed them (nil when
    /// not recorded), or nil when the audit log holds none since the id last named a deleted session.
    /// Two index reads (`audit_removals`, then `audit_session` from the removal on).
    static func removal(_ db: Database, sessionID: String, user: String) throws(StoreError) -> String?? {
        try db.queryOne("""
            SELECT r.actor FROM audit_log r
            WHERE r.session_id = ?1 AND r.target = ?2 AND r.action = 'member.remove'
              AND NOT EXISTS (SELECT 1 FROM audit_log d WHERE d.session_id = ?1 AND d.id > r.id AND d.action IN \(endings))
            ORDER BY r.id DESC LIMIT 1
            """, [.text(sessionID), .text(user)]) { $0.optionalText(0) }
    }
}

extension Database {
    /// The refusal for `actor`, who has no role in `ref`: `not_found`, word for word as for a
    /// session that does not exist, unless they were removed from it (`FormerMembers`).
    func nonMemberRefusal(_ ref: SessionRef, actor: String) throws(StoreError) -> StoreError {
        guard let by = try FormerMembers.removal(self, sessionID: ref.id, user: actor) else { return StoreError.notMemberOf(ref.id) }
        let how = switch by {
        case actor?: "you left session \(ref.id)"
        case "admin"?: "you were removed from session \(ref.id) by the server's operator"
        case let other?: "you were removed from session \(ref.id) by \(other)"
        case nil: "you were removed from session \(ref.id)"
        }
        return StoreError(.removedMember, "\(how); only a member with role admin can add you again")
    }
}
