extension Schema {
    /// The session as it stood when it was deleted (title, owner, metadata, status and its times,
    /// last turn seq, branch origin), kept with its retired id as one JSON object: a running
    /// tandemd that finds a session gone (deleted by `tandem-admin`, another process) shows it in
    /// the `deleted` event's `info`, as a `session.delete` of its own does; it used to show the
    /// session as its last join had read it (turns, title or status changed since were missing).
    /// NULL for sessions deleted before this was kept.
    static let retiredSessionFinal = """
        ALTER TABLE retired_session_ids ADD COLUMN final_session TEXT;
        """
}
