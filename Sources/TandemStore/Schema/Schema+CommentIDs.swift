extension Schema {
    /// Comment ids are never handed out again. `comments.id` was a plain `INTEGER PRIMARY KEY`, for
    /// which SQLite gives the highest id in the table plus one: once the comments with the highest ids
    /// went with their session (a delete, a branch discard), their ids came back on the next comments,
    /// and a client keying comments by id (they are numbered server-wide) could take a new comment for
    /// an old one. With AUTOINCREMENT, SQLite keeps the highest id ever given in `sqlite_sequence`.
    /// SQLite cannot add AUTOINCREMENT to a table, so this rebuilds it (the usual new table, copy, drop,
    /// rename), keeping every id; the copy sets the sequence to the highest id there now (ids of
    /// comments deleted before this migration and above it cannot be known, and may come once more).
    /// Dropping the old table drops its index and its `session_counts` triggers, which are made again
    /// as migrations 1 and 13 made them; the drop's implicit delete fires no trigger, so the counts
    /// stay as they are. No table refers to `comments`, so the foreign keys need no pause.
    static let commentIDs = """
        CREATE TABLE comments_autoincrement(
          id INTEGER PRIMARY KEY AUTOINCREMENT, sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          turn_seq INTEGER NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
        INSERT INTO comments_autoincrement(id, sid, turn_seq, author, body, created_at)
          SELECT id, sid, turn_seq, author, body, created_at FROM comments ORDER BY id;
        DROP TABLE comments;
        ALTER TABLE comments_autoincrement RENAME TO comments;
        CREATE INDEX comments_turn ON comments(sid, turn_seq);
        CREATE TRIGGER session_counts_comment_added AFTER INSERT ON comments BEGIN
          UPDATE session_counts SET comment_count = comment_count + 1 WHERE sid = new.sid;
        END;
        CREATE TRIGGER session_counts_comment_removed AFTER DELETE ON comments BEGIN
          UPDATE session_counts SET comment_count = comment_count - 1 WHERE sid = old.sid;
        END;
        """
}
