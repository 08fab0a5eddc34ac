import TandemJSON

/// Column list and mapper shared by every query that returns `Session` (alias `s`).
enum SessionRows {
    static let columns = """
        s.id, s.title, s.owner, s.metadata, s.status, s.created_at, s.updated_at, s.paused_at, s.archived_at,
        s.last_turn_seq, s.last_event_seq, (SELECT p.id FROM sessions p WHERE p.sid = s.parent_sid), s.fork_seq,
        s.branch_status, s.sid
        """

    static func map(_ row: Row) throws(StoreError) -> Session {
        Session(id: row.text(0), title: row.text(1), owner: row.text(2), metadata: try row.json(3),
                status: SessionStatus(rawValue: row.text(4)) ?? .active, createdAt: row.int(5), updatedAt: row.int(6),
                pausedAt: row.optionalInt(7), archivedAt: row.optionalInt(8), lastTurnSeq: row.int(9),
                lastEventSeq: row.int(10), parentID: row.optionalText(11), forkSeq: row.optionalInt(12),
                branchStatus: row.optionalText(13))
    }

    static func load(_ db: Database, sid: Int64) throws(StoreError) -> Session {
        guard let s = try db.queryOne("SELECT \(columns) FROM sessions s WHERE s.sid = ?", [.integer(sid)], map)
        else { throw StoreError.notFound("session") }
        return s
    }
}

enum TurnRows {
    static let columns = "seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state, event_seq, nonce"

    /// `retired` is the session's (`TurnRetirements.load`): the state is the one readers see.
    static func map(_ row: Row, sessionID: String, retired: TurnRetirements) throws(StoreError) -> Turn {
        let seq = row.int(0)
        return Turn(sessionID: sessionID, seq: seq, role: TurnRole(rawValue: row.text(1)) ?? .user, author: row.text(2),
                    content: row.text(3), metadata: try row.json(4), tokensIn: CountBound.held(row.int(5)), tokensOut: CountBound.held(row.int(6)),
                    createdAt: row.int(7), state: retired.state(TurnState(rawValue: row.int(8)) ?? .live, seq: seq),
                    eventSeq: row.int(9), nonce: row.optionalText(10))
    }
}

enum RowRows {
    static func current(_ db: Database, sid: Int64, key: String) throws(StoreError) -> StateRow? {
        try db.queryOne("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ? AND key = ?",
                        [.integer(sid), .text(key)], map)
    }

    static func historical(_ db: Database, sid: Int64, key: String, version: Int64) throws(StoreError) -> StateRow? {
        try db.queryOne("""
            SELECT key, version, value, author, created_at, merged FROM state_history WHERE sid = ? AND key = ? AND version = ?
            """, [.integer(sid), .text(key), .integer(version)], map)
    }

    static func map(_ row: Row) throws(StoreError) -> StateRow {
        StateRow(key: row.text(0), version: row.int(1), value: try row.json(2), author: row.text(3),
                 updatedAt: row.int(4), merged: row.int(5) != 0)
    }
}
