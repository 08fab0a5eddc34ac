import TandemJSON

/// One entry of a session's change log. `eventSeq` numbers every change of the session densely
/// (1, 2, 3, ...): a client that has applied up to N asks for `changes(since: N)` and gets exactly
/// the rest, with no gap and no duplicate.
public struct ChangeEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `turn` holds the appended turn (its current state).
        case turn
        /// `turnSeq` was undone.
        case undo
        /// every live turn up to `turnSeq` was cleared.
        case clear
        /// `row` holds the written version (value, version, merged flag).
        case state
        /// a checkpoint was restored: `turnSeq` is its point; rows restored appear as `state` events.
        case restore
        /// status change: `data.status`.
        case status
        /// title/metadata change: `data`.
        case session
        /// membership change: `data.user`, `data.role` (null when removed).
        case member
        /// a comment on turn `turnSeq`: `data.id`, `data.body`; `actor` wrote it.
        case comment
        /// a branch was merged in: `data.branch`; its turns and rows appear as their own events.
        case branchMerge = "branch_merge"
        /// the branch's parent was deleted, discarded or purged: `data.parent` is its id; the
        /// branch has no parent from this change on (`SessionReaper.unparent`).
        case unparent

        /// Changes reported to clients as a `session` event, which shows the session after them.
        public var changesTheSession: Bool {
            switch self {
            case .clear, .restore, .status, .session, .branchMerge, .unparent: true
            case .turn, .undo, .state, .member, .comment: false
            }
        }
    }

    public var eventSeq: Int64
    public var kind: Kind
    /// For changes to the session itself (`Kind.changesTheSession`): the session as this change
    /// left it (nil in entries written before it was recorded).
    public var sessionAfter: SessionAfter? { SessionAfter(data?["after"]) }
    public var actor: String?
    public var createdAt: Int64
    public var turnSeq: Int64?
    public var turn: Turn?
    public var row: StateRow?
    public var data: JSONValue?
    /// For `comment` entries, the comment itself.
    public var comment: Comment? = nil
    /// For `comment` entries, whether the turn commented on is undone, cleared or rewound now.
    public var commentedTurnRetired = false

    /// For a `member` entry that removed someone: who.
    public var removedMember: String? {
        guard kind == .member, data?["role"]?.isNull == true else { return nil }
        return data?["user"]?.stringValue
    }
}

public struct ChangeSet: Sendable, Equatable {
    public var events: [ChangeEvent]
    /// The session's last event seq when read; when `events` is shorter, ask again from its last.
    public var lastEventSeq: Int64
    /// The session's `created_at` when read (the change feed's pages): a different one means the
    /// session was deleted and another made under its id since an earlier page. Nil for a
    /// delete's tail.
    public var sessionCreatedAt: Int64? = nil
    /// For a delete's tail: the branches that lost their parent with the session (each recorded
    /// an `unparent` change in the delete's transaction), for the caller to publish.
    public var unparentedBranches: [String] = []

    /// Whether these pages are of another session than the one created at `created`: one deleted
    /// and made again under its id since. The one rule joins and the live catch-up both apply.
    public func isOfAnotherSession(than created: Int64) -> Bool {
        sessionCreatedAt.map { $0 != created } ?? false
    }
}

extension Store {
    /// The change log for the server's own use (live fan-out, gap filling): no permission check.
    public func changeFeed(session: String, since: Int64, limit: Int = 1000) throws(StoreError) -> ChangeSet {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try read { db throws(StoreError) in
            let ref = try db.sessionRef(session, actor: nil)
            return try Changes.load(db, sid: ref.sid, sessionID: session, since: since, limit: limit)
        }
    }

    /// Changes of `session` with event seq > `since`, oldest first, at most `limit`: the recovery
    /// feed that matches the live stream (every write result carries its `eventSeq`).
    public func changes(session: String, actor: String, since: Int64, limit: Int = 1000) throws(StoreError) -> ChangeSet {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            return try Changes.load(db, sid: ref.sid, sessionID: session, since: since, limit: limit)
        }
    }
}

/// The change log has two sources: turn appends (each turn row carries its `event_seq`, which
/// grows with its `seq`) and the `events` table (everything else). Keeping appends out of `events`
/// saves one B-tree insert per turn on the hot path; recovery merges both by event seq.
enum Changes {
    /// The most changes a delete hands its followers (`tail`): a live session's fan-out holds at
    /// most 10,000 back (`SequencedFanout.maxPending`), so more than that were never waiting.
    static let tailLimit = 10_000

    /// The changes after `since` (none when nil), for a delete to hand to the session's followers.
    static func tail(_ db: Database, sid: Int64, sessionID: String, after since: Int64?) throws(StoreError) -> [ChangeEvent] {
        guard let since else { return [] }
        return try load(db, sid: sid, sessionID: sessionID, since: since, limit: tailLimit).events
    }

    static func load(_ db: Database, sid: Int64, sessionID: String, since: Int64, limit: Int) throws(StoreError) -> ChangeSet {
        let (last, created) = try db.queryOne("SELECT last_event_seq, created_at FROM sessions WHERE sid = ?", [.integer(sid)]) {
            (last: $0.int(0), created: Optional($0.int(1)))
        } ?? (last: 0, created: nil)
        let retired = try TurnRetirements.load(db, sid: sid)
        let others = try db.query("""
            SELECT e.seq, e.kind, e.actor, e.created_at, e.turn_seq, e.data,
                   h.key, h.version, h.value, h.author, h.created_at, h.merged, t.state, c.created_at
            FROM events e
            LEFT JOIN state_history h ON e.kind = 'state' AND h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version
            LEFT JOIN turns t ON e.kind = 'comment' AND t.sid = e.sid AND t.seq = e.turn_seq
            LEFT JOIN comments c ON e.kind = 'comment' AND c.id = json_extract(e.data, '$.id') AND c.sid = e.sid
            WHERE e.sid = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
            """, [.integer(sid), .integer(since), .int(limit)]) { row throws(StoreError) in
            var event = ChangeEvent(eventSeq: row.int(0), kind: ChangeEvent.Kind(rawValue: row.text(1)) ?? .session,
                                    actor: row.optionalText(2), createdAt: row.int(3), turnSeq: row.optionalInt(4),
                                    turn: nil, row: nil, data: row.isNull(5) ? nil : try row.json(5))
            if event.kind == .comment, let id = event.data?["id"]?.intValue, let body = event.data?["body"]?.stringValue {
                // The comment's own time: a branch's copied comments are recorded at the fork's time
                // (and an import keeps that), but the event carries the Comment as comment.list gives it.
                let createdAt = row.isNull(13) ? event.createdAt : row.int(13)
                event.comment = Comment(id: id, sessionID: sessionID, turnSeq: event.turnSeq ?? 0, author: event.actor ?? "",
                                        body: body, createdAt: createdAt, eventSeq: event.eventSeq)
                if let seq = event.turnSeq, !row.isNull(12) {
                    event.commentedTurnRetired = retired.state(TurnState(rawValue: row.int(12)) ?? .live, seq: seq) != .live
                }
            }
            if !row.isNull(6) {
                event.row = StateRow(key: row.text(6), version: row.int(7), value: try row.json(8), author: row.text(9),
                                     updatedAt: row.int(10), merged: row.int(11) != 0)
            }
            return event
        }
        let first = try firstTurnSeq(db, sid: sid, afterEvent: since)
        let turns = try db.query("SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND seq >= ? ORDER BY seq LIMIT ?",
                                 [.integer(sid), .integer(first), .int(limit)]) { row throws(StoreError) in
            try TurnRows.map(row, sessionID: sessionID, retired: retired)
        }.map { turn in
            ChangeEvent(eventSeq: turn.eventSeq, kind: .turn, actor: turn.author, createdAt: turn.createdAt,
                        turnSeq: turn.seq, turn: turn, row: nil, data: nil)
        }
        // Merge the two ordered lists by event seq.
        var merged: [ChangeEvent] = []
        merged.reserveCapacity(min(limit, others.count + turns.count))
        var i = 0, j = 0
        while merged.count < limit && (i < others.count || j < turns.count) {
            if j >= turns.count || (i < others.count && others[i].eventSeq < turns[j].eventSeq) {
                merged.append(others[i]); i += 1
            } else {
                merged.append(turns[j]); j += 1
            }
        }
        return ChangeSet(events: merged, lastEventSeq: last, sessionCreatedAt: created)
    }

    /// The smallest turn seq whose event seq is > `since` (past the last turn when none): a binary
    /// search over the (sid, seq) index, since event seqs grow with seqs.
    static func firstTurnSeq(_ db: Database, sid: Int64, afterEvent since: Int64) throws(StoreError) -> Int64 {
        guard let maxSeq = try db.scalar("SELECT max(seq) FROM turns WHERE sid = ?", [.integer(sid)]) else { return 1 }
        // Invariant: the answer is in (lo, hi]; "first turn at or after mid has event seq > since"
        // is false for lo and true for hi, and monotone in between.
        var lo: Int64 = 0, hi = maxSeq + 1
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            // The first existing turn at or after mid (seqs are dense, but do not rely on it).
            let eventSeq = try db.queryOne("SELECT event_seq FROM turns WHERE sid = ? AND seq >= ? ORDER BY seq LIMIT 1",
                                           [.integer(sid), .integer(mid)], { $0.int(0) })
            if let eventSeq, eventSeq <= since { lo = mid } else { hi = mid }
        }
        return hi
    }
}
