extension Schema {
    /// A checkpoint may be a mark alone: `row_versions` NULL means its key → version map is the
    /// session's rows as they stood at its `event_seq`, found from the rows and the `state`
    /// events after it (`CheckpointMap`). Saving one no longer writes every row's version (a
    /// 1.5 MB map built on the writer at 10^5 rows), and a restore reads only the rows changed
    /// since. Checkpoints saved before, and imported ones, keep their maps. SQLite cannot drop a
    /// NOT NULL, so the table is rebuilt (its maps copied once) with its listing index.
    ///
    /// A checkpoint still tells how many rows it holds: each session's rows are counted in
    /// `session_row_counts`, so a save reads one number instead of counting them (3 SQLite steps
    /// a row, ~4 ms at 10^5). A trigger counts every row inserted, whichever path inserts it (a
    /// write, a branch's fork, an import, a template); an upsert that updates an existing row does
    /// not fire it. Rows are only ever deleted with their session, and the count goes with it.
    /// The count has a table of its own: updating a column of `sessions` rewrites the whole
    /// record, a branch's `fork_rows` map included (0.4-0.5 ms at 10^5 rows), once per row made.
    static let checkpointMarks = """
        CREATE TABLE checkpoints_marked(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, name TEXT NOT NULL,
          turn_seq INTEGER NOT NULL, row_versions TEXT, created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL, event_seq INTEGER, row_count INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY(sid, name)) WITHOUT ROWID;
        INSERT INTO checkpoints_marked(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count)
          SELECT sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count FROM checkpoints;
        DROP TABLE checkpoints;
        ALTER TABLE checkpoints_marked RENAME TO checkpoints;
        CREATE INDEX checkpoints_listing ON checkpoints(sid, created_at, name, turn_seq, created_by, row_count);
        CREATE TABLE session_row_counts(
          sid INTEGER PRIMARY KEY REFERENCES sessions(sid) ON DELETE CASCADE, rows INTEGER NOT NULL);
        INSERT INTO session_row_counts(sid, rows) SELECT sid, count(*) FROM state_rows GROUP BY sid;
        CREATE TRIGGER state_rows_counted AFTER INSERT ON state_rows BEGIN
          INSERT INTO session_row_counts(sid, rows) VALUES (new.sid, 1) ON CONFLICT(sid) DO UPDATE SET rows = rows + 1;
        END;
        """
}
