/// Which sessions' members the access changes since the watcher's last look may have removed,
/// from their audit entries: a removal is always audited `member.remove` with its session (also
/// each membership of a removed user), so only those sessions' roles need reading, not every live
/// session's (at 10,000 live sessions that read cost 25 ms a tick whenever anyone created a share
/// link, cleared turns or restored a checkpoint). An action this build does not know, or more
/// entries than were read, may have removed anyone: nil, every joined session.
enum MembershipLosses {
    /// Audited actions that remove no member. A deleted session's followers are told by the
    /// external catch-up, not as removed.
    static let removeNoMember: Set<String> = [
        "share.create", "share.revoke", "session.archive", "session.delete", "session.purge", "session.import",
        "branch.discard", "branch.merge", "checkpoint.restore", "turns.clear", "member.add", "member.role",
        "user.add", "user.remove", "user.disable", "user.enable", "token.issue", "token.rotate", "token.revoke",
    ]

    /// Entries read at most per look; more means nil.
    static let entriesRead = 1_000

    /// The sessions that lost a member, or nil when that cannot be told (see the type).
    static func sessions(in entries: [(action: String, session: String?)], complete: Bool) -> Set<String>? {
        guard complete else { return nil }
        var sessions: Set<String> = []
        for entry in entries {
            if entry.action == "member.remove", let session = entry.session {
                sessions.insert(session)
            } else if !removeNoMember.contains(entry.action) {
                return nil
            }
        }
        return sessions
    }
}
