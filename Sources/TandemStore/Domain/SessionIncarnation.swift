/// A session's `created` tells its incarnations apart: a client resuming with `since` names the
/// `created` it knew, and a session deleted and made again under the same id must not match it,
/// even when made in the same millisecond or imported from a document that carries the old
/// session's `created`.
enum SessionIncarnation {
    /// Remembers the `created` of session `sid`, which is being deleted, under its public id.
    static func retire(_ db: Database, sid: Int64) throws(StoreError) {
        // Hidden rows (an import that failed) never had a public id: `~...` no identifier spells.
        try db.run("""
            INSERT OR IGNORE INTO retired_session_ids(id, created_at)
            SELECT id, created_at FROM sessions WHERE sid = ? AND id NOT LIKE '~%'
            """, [.integer(sid)])
    }

    /// `proposed`, or the first millisecond after it that no deleted session of this id had.
    static func created(_ db: Database, id: String, proposed: Int64) throws(StoreError) -> Int64 {
        var created = proposed
        while try db.scalar("SELECT 1 FROM retired_session_ids WHERE id = ? AND created_at = ?",
                            [.text(id), .integer(created)]) != nil {
            created += 1
        }
        return created
    }
}
