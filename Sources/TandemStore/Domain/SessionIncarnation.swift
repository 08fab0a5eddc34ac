/// A session's `created` tells its incarnations apart: a client resuming with `since` names the
/// `created` it knew, and a session deleted and made again under the same id must not match it,
/// even when made in the same millisecond or imported from a document that carries the old
/// session's `created`.
enum SessionIncarnation {
    /// Remembers the `created` of session `sid`, which is being deleted, under its public id, with
    /// the last number its change log reached (see `Schema.retiredSessionHeads`).
    static func retire(_ db: Database, sid: Int64) throws(StoreError) {
        // Hidden rows (an import that failed) never had a public id: `~...` no identifier spells.
        // The log's own highest number: the row's counter may lag within a writer batch.
        try db.run("""
            INSERT OR IGNORE INTO retired_session_ids(id, created_at, last_event_seq)
            SELECT id, created_at, MAX(last_event_seq, COALESCE((SELECT MAX(seq) FROM events WHERE sid = ?1), 0))
            FROM sessions WHERE sid = ?1 AND id NOT LIKE '~%'
            """, [.integer(sid)])
    }

    /// The last change-log number of the deleted session `id` made at `created`; nil when no such
    /// session was deleted, or it was deleted before the number was kept.
    static func retiredHead(_ db: Database, id: String, created: Int64) throws(StoreError) -> Int64? {
        try db.queryOne("SELECT last_event_seq FROM retired_session_ids WHERE id = ? AND created_at = ?",
                        [.text(id), .integer(created)], { row throws(StoreError) in row.optionalInt(0) }) ?? nil
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
