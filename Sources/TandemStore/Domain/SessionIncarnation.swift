/// A session's `created` tells its incarnations apart: a client resuming with `since` names the
/// `created` it knew, and a session deleted and made again under the same id must not match it,
/// even when made in the same millisecond or imported from a document that carries the old
/// session's `created`.
enum SessionIncarnation {
    /// Remembers the `created` of session `sid`, which is being deleted, under its public id, with
    /// the last number its change log reached (see `Schema.retiredSessionHeads`) and the session as
    /// it stands (`Schema.retiredSessionFinal`); its last changes since `now` - `RetiredTail.window`
    /// go to `retired_tails` (`RetiredTail`), where those of deletes older than `RetiredTail.kept`
    /// are dropped.
    static func retire(_ db: Database, sid: Int64, now: Int64) throws(StoreError) {
        // Hidden rows (an import that failed) never had a public id: `~...` no identifier spells.
        // The log's own highest number: the row's counter may lag within a writer batch.
        try db.run("""
            INSERT OR IGNORE INTO retired_session_ids(id, created_at, last_event_seq, final_session)
            SELECT s.id, s.created_at, MAX(s.last_event_seq, COALESCE((SELECT MAX(seq) FROM events WHERE sid = ?1), 0)),
              json_object('title', s.title, 'owner', s.owner, 'metadata', json(s.metadata), 'status', s.status,
                          'updated_at', s.updated_at, 'paused_at', s.paused_at, 'archived_at', s.archived_at,
                          'last_turn_seq', s.last_turn_seq, 'parent_id', (SELECT p.id FROM sessions p WHERE p.sid = s.parent_sid),
                          'fork_seq', s.fork_seq, 'branch_status', s.branch_status)
            FROM sessions s WHERE s.sid = ?1 AND s.id NOT LIKE '~%'
            """, [.integer(sid)])
        try db.run("DELETE FROM retired_tails WHERE retired_at < ?", [.integer(now - RetiredTail.kept)])
        try db.run("""
            INSERT OR IGNORE INTO retired_tails(id, created_at, retired_at, tail)
            SELECT id, created_at, ?3, tail FROM (
              SELECT s.id AS id, s.created_at AS created_at, \(RetiredTail.selection) AS tail
              FROM sessions s WHERE s.sid = ?1 AND s.id NOT LIKE '~%') WHERE tail <> '[]'
            """, [.integer(sid), .integer(now - RetiredTail.window), .integer(now)])
    }

    /// The deleted session `id` made at `created` as it stood when deleted, its `lastEventSeq` the
    /// last number its log reached; nil when no such session was deleted, or it was deleted before
    /// this was kept.
    static func retiredSession(_ db: Database, id: String, created: Int64) throws(StoreError) -> Session? {
        try db.queryOne("""
            SELECT json_extract(final_session, '$.title'), json_extract(final_session, '$.owner'),
              json_extract(final_session, '$.metadata'), json_extract(final_session, '$.status'),
              json_extract(final_session, '$.updated_at'), json_extract(final_session, '$.paused_at'),
              json_extract(final_session, '$.archived_at'), json_extract(final_session, '$.last_turn_seq'),
              last_event_seq, json_extract(final_session, '$.parent_id'), json_extract(final_session, '$.fork_seq'),
              json_extract(final_session, '$.branch_status')
            FROM retired_session_ids WHERE id = ? AND created_at = ? AND final_session IS NOT NULL
            """, [.text(id), .integer(created)]) { row throws(StoreError) in
            Session(id: id, title: row.text(0), owner: row.text(1), metadata: try row.json(2),
                    status: SessionStatus(rawValue: row.text(3)) ?? .active, createdAt: created, updatedAt: row.int(4),
                    pausedAt: row.optionalInt(5), archivedAt: row.optionalInt(6), lastTurnSeq: row.int(7),
                    lastEventSeq: row.optionalInt(8) ?? 0, parentID: row.optionalText(9), forkSeq: row.optionalInt(10),
                    branchStatus: row.optionalText(11))
        }
    }

    /// The last changes of the deleted session `id` made at `created` (`RetiredTail`), oldest first;
    /// none when it had none recent, or was deleted more than `RetiredTail.kept` ago.
    static func retiredTail(_ db: Database, id: String, created: Int64) throws(StoreError) -> [ChangeEvent] {
        let tail = try db.queryOne("SELECT tail FROM retired_tails WHERE id = ? AND created_at = ?",
                                   [.text(id), .integer(created)]) { row throws(StoreError) in try row.json(0) }
        return RetiredTail.events(tail, sessionID: id)
    }

    /// The last change-log number of the deleted session `id` made at `created`; nil when no such
    /// session was deleted, or it was deleted before the number was kept.
    static func retiredHead(_ db: Database, id: String, created: Int64) throws(StoreError) -> Int64? {
        try db.queryOne("SELECT last_event_seq FROM retired_session_ids WHERE id = ? AND created_at = ?",
                        [.text(id), .integer(created)], { row throws(StoreError) in row.optionalInt(0) }) ?? nil
    }

    /// The `created` (and first `updated_at`) of a session made now under `id`, by create, branch or
    /// template: this job's stamp, or the first millisecond after it no deleted session of this id
    /// had. The writer's stamps are raised to it, so no later change is stamped before it.
    static func madeNow(_ ctx: WriteContext, id: String) throws(StoreError) -> Int64 {
        let created = try created(ctx.db, id: id, proposed: ctx.now)
        ctx.wroteStamp(created)
        return created
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
