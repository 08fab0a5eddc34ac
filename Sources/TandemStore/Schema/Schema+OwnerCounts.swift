extension Schema {
    /// How many sessions each user owns (those not being deleted: the count
    /// `max-sessions-per-user` holds), kept by triggers as `session_counts` is, so
    /// `Quotas.requireSessionRoom` reads one row instead of counting the owner's range of
    /// `sessions_owner` on every create (10,000 index entries at the default limit, more for a
    /// user the operator raised). Triggers keep it on every path that changes a session's owner or
    /// status (a hand-over, a delete's hide, an import's or fork's publish, the delete steps, a
    /// user's removal), without the Swift code knowing. A session in status `deleting` is not
    /// counted, as before; every other status is. A user's row stays at 0 when they own nothing.
    /// Backfilled here from the sessions already there.
    static let ownerCounts = """
        CREATE TABLE owner_counts(
          user_id TEXT PRIMARY KEY, session_count INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
        INSERT INTO owner_counts(user_id, session_count)
          SELECT owner, count(*) FROM sessions WHERE status <> 'deleting' GROUP BY owner;
        CREATE TRIGGER owner_counts_session_added AFTER INSERT ON sessions WHEN new.status <> 'deleting' BEGIN
          INSERT INTO owner_counts(user_id, session_count) VALUES (new.owner, 1)
            ON CONFLICT(user_id) DO UPDATE SET session_count = session_count + 1;
        END;
        CREATE TRIGGER owner_counts_session_removed AFTER DELETE ON sessions WHEN old.status <> 'deleting' BEGIN
          UPDATE owner_counts SET session_count = session_count - 1 WHERE user_id = old.owner;
        END;
        CREATE TRIGGER owner_counts_session_left AFTER UPDATE OF owner, status ON sessions
          WHEN old.status <> 'deleting' AND (new.status = 'deleting' OR new.owner IS NOT old.owner) BEGIN
          UPDATE owner_counts SET session_count = session_count - 1 WHERE user_id = old.owner;
        END;
        CREATE TRIGGER owner_counts_session_came AFTER UPDATE OF owner, status ON sessions
          WHEN new.status <> 'deleting' AND (old.status = 'deleting' OR new.owner IS NOT old.owner) BEGIN
          INSERT INTO owner_counts(user_id, session_count) VALUES (new.owner, 1)
            ON CONFLICT(user_id) DO UPDATE SET session_count = session_count + 1;
        END;
        """
}
