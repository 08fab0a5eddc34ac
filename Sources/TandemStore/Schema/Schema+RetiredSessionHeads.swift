extension Schema {
    /// The last change-log number a deleted session reached, kept with its retired id: a running
    /// tandemd that finds a session gone (deleted by `tandem-admin`, another process) numbers the
    /// `deleted` event after it, not after what its own fan-out had delivered, so no follower that
    /// joined after an unpublished last change gets `deleted` under that change's number (and drops
    /// it as a repeat). NULL for sessions deleted before this was kept.
    static let retiredSessionHeads = """
        ALTER TABLE retired_session_ids ADD COLUMN last_event_seq INTEGER;
        """
}
