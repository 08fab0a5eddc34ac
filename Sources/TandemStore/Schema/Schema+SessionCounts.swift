extension Schema {
    /// How many state rows, comments and members each session has, kept by triggers so the
    /// per-session caps (`Quotas.requireRowRoom` and the next ones) read one row instead of
    /// counting: a `count(*)` of a 10^6-row session on every new key would hold the writer for
    /// milliseconds. Triggers, not the Swift code, keep them, so every path that inserts or
    /// deletes such rows (a branch's copy, an import's steps, the delete steps, a user's removal
    /// cascading to their memberships) keeps them right without knowing about them. Only INSERT
    /// and DELETE change a count: an upsert that updates fires neither (and no statement uses
    /// REPLACE on these tables, whose implicit delete would fire no trigger). A session's counts
    /// row comes and goes with its session row; the child triggers only UPDATE it, so a cascade
    /// that deletes children after the session row cannot bring it back. Backfilled here from
    /// the rows already there.
    static let sessionCounts = """
        CREATE TABLE session_counts(
          sid INTEGER PRIMARY KEY, row_count INTEGER NOT NULL DEFAULT 0,
          comment_count INTEGER NOT NULL DEFAULT 0, member_count INTEGER NOT NULL DEFAULT 0);
        INSERT INTO session_counts(sid, row_count, comment_count, member_count)
          SELECT s.sid, (SELECT count(*) FROM state_rows r WHERE r.sid = s.sid),
                 (SELECT count(*) FROM comments c WHERE c.sid = s.sid),
                 (SELECT count(*) FROM members m WHERE m.sid = s.sid)
          FROM sessions s;
        CREATE TRIGGER session_counts_open AFTER INSERT ON sessions BEGIN
          INSERT OR REPLACE INTO session_counts(sid) VALUES (new.sid);
        END;
        CREATE TRIGGER session_counts_close AFTER DELETE ON sessions BEGIN
          DELETE FROM session_counts WHERE sid = old.sid;
        END;
        CREATE TRIGGER session_counts_row_added AFTER INSERT ON state_rows BEGIN
          UPDATE session_counts SET row_count = row_count + 1 WHERE sid = new.sid;
        END;
        CREATE TRIGGER session_counts_row_removed AFTER DELETE ON state_rows BEGIN
          UPDATE session_counts SET row_count = row_count - 1 WHERE sid = old.sid;
        END;
        CREATE TRIGGER session_counts_comment_added AFTER INSERT ON comments BEGIN
          UPDATE session_counts SET comment_count = comment_count + 1 WHERE sid = new.sid;
        END;
        CREATE TRIGGER session_counts_comment_removed AFTER DELETE ON comments BEGIN
          UPDATE session_counts SET comment_count = comment_count - 1 WHERE sid = old.sid;
        END;
        CREATE TRIGGER session_counts_member_added AFTER INSERT ON members BEGIN
          UPDATE session_counts SET member_count = member_count + 1 WHERE sid = new.sid;
        END;
        CREATE TRIGGER session_counts_member_removed AFTER DELETE ON members BEGIN
          UPDATE session_counts SET member_count = member_count - 1 WHERE sid = old.sid;
        END;
        """
}
