extension Schema {
    /// A checkpoint may be a mark alone: `row_versions` NULL means its key → version map is the
    /// session's rows as they stood at its `event_seq`, found from the rows and the `state`
    /// events after it (`CheckpointMap`). Saving one no longer writes every row's version (a
    /// 1.5 MB map built on the writer at 10^5 rows), and a restore reads only the rows changed
    /// since. Checkpoints saved before, and imported ones, keep their maps. SQLite cannot drop a
    /// NOT NULL, so the table is rebuilt (its maps copied once) with its listing index.
    ///
    /// A checkpoint still tells how many rows it holds: a save reads the session's count, which
    /// migration 13's triggers keep (`session_counts.row_count`), instead of counting the rows.
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
        """
}
