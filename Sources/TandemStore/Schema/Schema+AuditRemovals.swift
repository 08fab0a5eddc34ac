extension Schema {
    /// The audit log's member removals by session and user: a user who is no member of a session
    /// is told they were removed from it (`forbidden`) rather than that it does not exist
    /// (`not_found`) when the log holds their removal (`FormerMembers`). Without the index that
    /// look-up walked all of a session's audit entries on every request by a non-member. Partial:
    /// removals are a small part of the log, and the index only ever holds them.
    static let auditRemovals = """
        CREATE INDEX audit_removals ON audit_log(session_id, target) WHERE action = 'member.remove';
        """
}
