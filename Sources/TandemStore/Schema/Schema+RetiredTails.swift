extension Schema {
    /// The last changes of a deleted session (`RetiredTail`), turns included, in a table of their
    /// own with the time of the delete: kept a minute, not as long as the retired id (up to 1 MiB
    /// each once turns are in them), the index finding the old ones for the next delete to drop.
    /// The tails `final_session` held (at most 64 KiB, no turns) are dropped: only a server running
    /// at the delete reads one, and none runs across a migration.
    static let retiredTails = """
        CREATE TABLE retired_tails(
          id TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER NOT NULL, tail TEXT NOT NULL,
          PRIMARY KEY (id, created_at));
        CREATE INDEX retired_tails_age ON retired_tails(retired_at);
        UPDATE retired_session_ids SET final_session = json_remove(final_session, '$.tail')
          WHERE final_session IS NOT NULL AND json_type(final_session, '$.tail') IS NOT NULL;
        """
}
