extension Schema {
    /// A branch merge under way, one row per branch (`BranchMergeJob`): while the row exists the
    /// merge holds both sessions (writes to them wait in the writer, `SessionHolds`), and its
    /// steps record how far they got here, in the transaction that wrote them, so a merge cut off
    /// by a crash is finished at the next open. `phase`: `plan` (held, nothing written yet: a
    /// crash drops the row), `rows` (rows merged through `row_cursor`, by key in byte order),
    /// `turns` (the branch's turns merged through its seq `turn_cursor`). `resolutions`: the
    /// merger's values by key (a JSON object). No foreign keys: a session deleted from under a
    /// merge (by `tandem-admin`) ends the job at its next step.
    static let branchMerges = """
        CREATE TABLE branch_merges (
          branch_sid  INTEGER PRIMARY KEY,
          parent_sid  INTEGER NOT NULL,
          actor       TEXT NOT NULL,
          phase       TEXT NOT NULL CHECK (phase IN ('plan', 'rows', 'turns')),
          row_cursor  TEXT,
          turn_cursor INTEGER NOT NULL,
          resolutions TEXT NOT NULL DEFAULT '{}',
          rows_merged  INTEGER NOT NULL DEFAULT 0,
          turns_merged INTEGER NOT NULL DEFAULT 0,
          started_at  INTEGER NOT NULL,
          updated_at  INTEGER NOT NULL
        );
        CREATE INDEX branch_merges_parent ON branch_merges(parent_sid);
        """
}
