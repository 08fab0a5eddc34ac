import TandemJSON

/// What a restore did: the turns it rewound and the rows it rewrote (each a new version).
public struct RestoreResult: Sendable, Equatable {
    public var checkpoint: Checkpoint
    /// The turns that were live with `checkpoint.turnSeq < seq <= rewoundThrough` are now `rewound`.
    public var rewoundThrough: Int64
    public var rows: [StateRow]
    /// The event seq of the last change the restore made.
    public var eventSeq: Int64
}

extension Store {
    /// Names the current point: last turn seq and every row's version (write+). `already_exists` when the
    /// name exists; `limit_exceeded` when the session has `maxCheckpointsPerSession`.
    ///
    /// Saved as a mark, the session's change-log position (`CheckpointMap`): no row's version is
    /// copied (SQLite writing the whole key → version map held the writer ~110 ms at 10^5 rows),
    /// and no row is read.
    public func saveCheckpoint(session: String, actor: String, name: String) throws(StoreError) -> Checkpoint {
        try Validate.text(name, what: "checkpoint name", max: 512)
        return try write { ctx throws(StoreError) -> Checkpoint in
            let ref = try ctx.db.authorizeUnarchived(.checkpointSave, session: session, actor: actor)
            if try ctx.db.scalar("SELECT 1 FROM checkpoints WHERE sid = ? AND name = ?", [.integer(ref.sid), .text(name)]) != nil {
                throw StoreError(.alreadyExists, "checkpoint \(name) already exists")
            }
            try Quotas.requireCheckpointRoom(ctx, sid: ref.sid, session: session)
            guard let (turnSeq, eventSeq) = try ctx.db.queryOne("SELECT last_turn_seq, last_event_seq FROM sessions WHERE sid = ?",
                                                                [.integer(ref.sid)], { ($0.int(0), $0.int(1)) })
            else { throw StoreError.notFound("session \(session)") }
            // The rows are counted as they are made (`session_counts`, kept by triggers): none is read here.
            let rowCount = try ctx.db.scalar("SELECT row_count FROM session_counts WHERE sid = ?", [.integer(ref.sid)]) ?? 0
            try ctx.db.run("""
                INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count) VALUES (?,?,?,NULL,?,?,?,?)
                """, [.integer(ref.sid), .text(name), .integer(turnSeq), .text(actor), .integer(ctx.now), .integer(eventSeq), .integer(rowCount)])
            return Checkpoint(name: name, turnSeq: turnSeq, rowCount: rowCount, createdBy: actor, createdAt: ctx.now, eventSeq: eventSeq)
        }
    }

    /// One page of checkpoint `name`'s key → version map: the entries with keys after `after`, in
    /// key order (bytes), at most `limit` and as many as `budget` holds; `more` when entries are
    /// left. Allowed to whoever may list the checkpoints. `not_found` when the session has no
    /// checkpoint of that name. A page of a saved mark reads the rows of the page and the
    /// changes since the mark, not the whole map.
    public func checkpointEntries(session: String, actor: String, name: String, after: String? = nil,
                                  limit: Int, budget: PageBudget) throws(StoreError) -> (entries: [CheckpointEntry], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.checkpointList, session: session, actor: actor)
            guard let (_, source) = try Checkpoints.named(db, sid: ref.sid, name) else {
                throw StoreError(.notFound, "session \(session) has no checkpoint named \(name)")
            }
            return try CheckpointMap.page(db, sid: ref.sid, source, after: after ?? "", limit: limit, budget: budget)
        }
    }

    public func checkpoints(session: String, actor: String) throws(StoreError) -> [Checkpoint] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.checkpointList, session: session, actor: actor)
            return try Checkpoints.list(db, sid: ref.sid)
        }
    }

    /// Rewinds to a checkpoint (admin+): later live turns become `rewound` (kept, not erased; one
    /// row written whatever their number, `TurnRetirements`); rows whose value differs from the
    /// checkpoint's get it as a new version (rows created since get `null`). Recorded as a
    /// `restore` event and in the audit log. `not_found` when no checkpoint has that name; `stale_checkpoint` when a clear or a restore made after it
    /// retired turns it holds (its rows would come back without its turns).
    public func restoreCheckpoint(session: String, actor: String, name: String) throws(StoreError) -> RestoreResult {
        try write { ctx throws(StoreError) -> RestoreResult in
            let ref = try ctx.db.authorizeChange(.checkpointRestore, session: session, actor: actor)
            guard let (checkpoint, source) = try Checkpoints.named(ctx.db, sid: ref.sid, name) else {
                throw StoreError(.notFound, "session \(session) has no checkpoint named \(name)")
            }
            if let why = try Checkpoints.staleness(ctx.db, sid: ref.sid, checkpoint) {
                throw StoreError(.staleCheckpoint, "checkpoint \(name) (turn \(checkpoint.turnSeq)) cannot be restored: \(why)")
            }
            let through = try ctx.db.scalar("SELECT last_turn_seq FROM sessions WHERE sid = ?", [.integer(ref.sid)]) ?? 0
            // The first turn it rewinds (null: none is live), for `Checkpoints.staleness`.
            let first = try Turns.firstLive(ctx.db, sid: ref.sid, after: checkpoint.turnSeq, through: through)
            try TurnRetirements.record(ctx.db, sid: ref.sid, after: checkpoint.turnSeq, through: through, state: .rewound)
            var eventSeq = try ctx.recordEvent(sid: ref.sid, kind: "restore", actor: actor, turnSeq: checkpoint.turnSeq,
                                               data: ["name": .string(name), "retired_from": first.map(JSONValue.integer) ?? .null])
            var rows: [StateRow] = []
            // Only the rows whose version differs from the checkpoint's are read, and only their
            // values parsed (reading every row held the writer 0.9 s at 100,000 rows); for a mark,
            // only the rows changed since it are looked at (`CheckpointMap`).
            for (key, version, target) in try CheckpointMap.differing(ctx.db, sid: ref.sid, source) {
                var value = JSONValue.null
                if let target {
                    guard let old = try RowRows.historical(ctx.db, sid: ref.sid, key: key, version: target) else {
                        throw StoreError(.staleCheckpoint, "row \(key) version \(target) is no longer in history")
                    }
                    value = old.value
                }
                // Changed and changed back since: nothing to restore (no new version, no event).
                guard value != (try RowRows.current(ctx.db, sid: ref.sid, key: key)?.value) else { continue }
                let stored = try Rows.store(ctx, sid: ref.sid, actor: actor, key: key, value: value, text: nil,
                                            version: version + 1, merged: false, counted: false)
                rows.append(stored.0)
                eventSeq = stored.1
            }
            try ctx.db.audit(actor: actor, action: .checkpointRestore, sessionID: session, target: name,
                             detail: ["turn_seq": .integer(checkpoint.turnSeq), "through": .integer(through)], now: ctx.now)
            return RestoreResult(checkpoint: checkpoint, rewoundThrough: through, rows: rows, eventSeq: eventSeq)
        }
    }
}

enum Checkpoints {
    static func encode(_ versions: [String: Int64]) -> JSONValue {
        .object(versions.mapValues { .integer($0) })
    }

    static func decode(_ value: JSONValue) -> [String: Int64] {
        (value.objectValue ?? [:]).compactMapValues(\.intValue)
    }

    /// The checkpoint `name` of the session with where its map is, or nil. Names match as in
    /// `list(...).first { $0.name == name }`: the first, oldest first, that Swift deems equal.
    static func named(_ db: Database, sid: Int64, _ name: String) throws(StoreError) -> (Checkpoint, CheckpointMap.Source)? {
        let names = try db.query("SELECT name FROM checkpoints WHERE sid = ? ORDER BY created_at, name", [.integer(sid)]) { $0.text(0) }
        guard let stored = names.first(where: { $0 == name }) else { return nil }
        return try db.queryOne("""
            SELECT \(columns), row_versions FROM checkpoints WHERE sid = ? AND name = ?
            """, [.integer(sid), .text(stored)]) { row in
            let checkpoint = checkpoint(row)
            return (checkpoint, CheckpointMap.Source(map: row.optionalText(6), eventSeq: checkpoint.eventSeq))
        }
    }

    /// The session's checkpoints, oldest first, without their maps.
    static func list(_ db: Database, sid: Int64) throws(StoreError) -> [Checkpoint] {
        try db.query("SELECT \(columns) FROM checkpoints WHERE sid = ? ORDER BY created_at, name", [.integer(sid)], checkpoint)
    }

    /// The session's checkpoints, oldest first, each with its key → version map (for an export,
    /// which carries the maps: a saved mark's is worked out here, in the export's read).
    static func listWithMaps(_ db: Database, sid: Int64) throws(StoreError) -> [(Checkpoint, [String: Int64])] {
        let stored = try db.query("SELECT \(columns), row_versions FROM checkpoints WHERE sid = ? ORDER BY created_at, name",
                                  [.integer(sid)]) { row in
            let checkpoint = checkpoint(row)
            return (checkpoint, CheckpointMap.Source(map: row.optionalText(6), eventSeq: checkpoint.eventSeq))
        }
        var out: [(Checkpoint, [String: Int64])] = []
        for (checkpoint, source) in stored { out.append((checkpoint, try CheckpointMap.all(db, sid: sid, source))) }
        return out
    }

    /// What `checkpoint(_:)` reads, in its order.
    private static let columns = "name, turn_seq, row_count, created_by, created_at, event_seq"

    private static func checkpoint(_ row: Row) -> Checkpoint {
        Checkpoint(name: row.text(0), turnSeq: row.int(1), rowCount: row.int(2), createdBy: row.text(3), createdAt: row.int(4),
                   eventSeq: row.int(5))
    }

    /// Why `checkpoint` can no longer be restored, or nil. A clear after it hid turns it holds; a
    /// restore after it to an earlier point rewound some. Restoring it would bring its rows back
    /// without those turns. A clear or restore that retired none of its turns (they were undone
    /// or cleared before, or it reached only later ones) is not a reason: each records the first
    /// turn it retired as `data.retired_from` (null: none). One recorded without it (before that
    /// was kept) counts as having retired its turns, as it did then. (Undo is not a reason: it
    /// undoes one turn, the restore keeps that.)
    static func staleness(_ db: Database, sid: Int64, _ checkpoint: Checkpoint) throws(StoreError) -> String? {
        guard checkpoint.turnSeq > 0 else { return nil }
        return try db.queryOne("""
            SELECT kind, turn_seq FROM events WHERE sid = ?1 AND seq > ?2 AND (kind = 'clear' OR (kind = 'restore' AND turn_seq < ?3))
              AND (json_type(data, '$.retired_from') IS NULL OR json_extract(data, '$.retired_from') <= ?3)
            ORDER BY seq LIMIT 1
            """, [.integer(sid), .integer(checkpoint.eventSeq), .integer(checkpoint.turnSeq)]) { row in
            row.text(0) == "clear" ? "the session was cleared after it was saved"
                : "a later restore rewound the session to turn \(row.int(1))"
        }
    }

    /// SQL that gives checkpoints saved without a change-log position (an older export) the last
    /// change made before their time; `condition` narrows the rows. Times are milliseconds: a clear or
    /// restore in the checkpoint's own millisecond counts as after it (the position stops before the
    /// first such one), since which came first cannot be told and counting it before would let a
    /// checkpoint it made stale restore its rows without their turns (a needless `stale_checkpoint` is
    /// the safe side). Migration 8 shipped without that stop; migration 20 (`Schema.checkpointTimeTies`)
    /// applies it to the positions migration 8 gave.
    static func backfillEventSeq(_ condition: String) -> String {
        """
        UPDATE checkpoints SET event_seq = coalesce((SELECT max(e.seq) FROM events e
          WHERE e.sid = checkpoints.sid AND e.created_at <= checkpoints.created_at
            AND e.seq < coalesce((\(firstTiedClearOrRestore)), 9223372036854775807)), 0)
          WHERE event_seq IS NULL AND \(condition)
        """
    }

    /// SQL (a scalar subquery, correlated on `checkpoints`): the first clear or restore of the
    /// checkpoint's session made in the checkpoint's millisecond, or NULL.
    static let firstTiedClearOrRestore = """
        SELECT min(f.seq) FROM events f WHERE f.sid = checkpoints.sid AND f.created_at = checkpoints.created_at
          AND f.kind IN ('clear', 'restore')
        """
}
