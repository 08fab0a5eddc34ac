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
        /// a branch was merged in: `data.branch`; its turns and rows appear as their own events.
        case branchMerge = "branch_merge"
    }

    public var eventSeq: Int64
    public var kind: Kind
    public var actor: String?
    public var createdAt: Int64
    public var turnSeq: Int64?
    public var turn: Turn?
    public var row: StateRow?
    public var data: JSONValue?
}

public struct ChangeSet: Sendable, Equatable {
    public var events: [ChangeEvent]
    /// The session's last event seq when read; when `events` is shorter, ask again from its last.
    public var lastEventSeq: Int64
}

extension Store {
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

enum Changes {
    static func load(_ db: Database, sid: Int64, sessionID: String, since: Int64, limit: Int) throws(StoreError) -> ChangeSet {
        let last = try db.scalar("SELECT last_event_seq FROM sessions WHERE sid = ?", [.integer(sid)]) ?? 0
        let events = try db.query("""
            SELECT e.seq, e.kind, e.actor, e.created_at, e.turn_seq, e.data,
                   t.seq, t.role, t.author, t.content, t.metadata, t.tokens_in, t.tokens_out, t.created_at, t.state, t.event_seq,
                   h.key, h.version, h.value, h.author, h.created_at, h.merged
            FROM events e
            LEFT JOIN turns t ON e.kind = 'turn' AND t.sid = e.sid AND t.seq = e.turn_seq
            LEFT JOIN state_history h ON e.kind = 'state' AND h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version
            WHERE e.sid = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
            """, [.integer(sid), .integer(since), .int(limit)]) { row throws(StoreError) in
            var event = ChangeEvent(eventSeq: row.int(0), kind: ChangeEvent.Kind(rawValue: row.text(1)) ?? .session,
                                    actor: row.optionalText(2), createdAt: row.int(3), turnSeq: row.optionalInt(4),
                                    turn: nil, row: nil, data: row.isNull(5) ? nil : try row.json(5))
            if !row.isNull(6) {
                event.turn = Turn(sessionID: sessionID, seq: row.int(6), role: TurnRole(rawValue: row.text(7)) ?? .user,
                                  author: row.text(8), content: row.text(9), metadata: try row.json(10), tokensIn: row.int(11),
                                  tokensOut: row.int(12), createdAt: row.int(13), state: TurnState(rawValue: row.int(14)) ?? .live,
                                  eventSeq: row.int(15))
            }
            if !row.isNull(16) {
                event.row = StateRow(key: row.text(16), version: row.int(17), value: try row.json(18), author: row.text(19),
                                     updatedAt: row.int(20), merged: row.int(21) != 0)
            }
            return event
        }
        return ChangeSet(events: events, lastEventSeq: last)
    }
}
