import TandemJSON

/// The export document of one session, described once and emitted into an `ExportOutput`.
enum SessionExport {
    static let format = "tandem.session"

    /// The whole document as a tree.
    static func export(_ db: Database, sid: Int64) throws(StoreError) -> JSONValue {
        let tree = ExportTree()
        try emit(db, sid: sid, into: tree)
        return tree.document
    }

    /// Emits the fields in sorted key order (what `ExportTextWriter` needs to match the tree's
    /// bytes); the big record lists (turns, events, comments, row history) one row at a time.
    static func emit(_ db: Database, sid: Int64, into out: any ExportOutput) throws(StoreError) {
        let s = try SessionRows.load(db, sid: sid)
        let bySession: [SQLValue] = [.integer(sid)]
        let retired = try TurnRetirements.load(db, sid: sid)
        try out.field("checkpoints", .array(try Checkpoints.listWithMaps(db, sid: sid).map { c, map -> JSONValue in
            ["name": .string(c.name), "turn_seq": .integer(c.turnSeq), "rows": Checkpoints.encode(map),
             "created_by": .string(c.createdBy), "created_at": .integer(c.createdAt), "event_seq": .integer(c.eventSeq)]
        }))
        try out.arrayField("comments") { element throws(StoreError) in
            try db.forEach("SELECT turn_seq, author, body, created_at FROM comments WHERE sid = ? ORDER BY id", bySession) { row throws(StoreError) in
                try element(["turn_seq": .integer(row.int(0)), "author": .string(row.text(1)), "body": .string(row.text(2)),
                             "created_at": .integer(row.int(3))])
            }
        }
        try out.field("contributions", .array(try Contributions.load(db, "c.sid = ?", bySession).map { c -> JSONValue in
            let n = c.counts
            return ["user": .string(c.userID), "turns": .integer(n.turns), "tokens_in": .integer(n.tokensIn),
                    "tokens_out": .integer(n.tokensOut), "comments": .integer(n.comments), "row_writes": .integer(n.rowWrites),
                    "merges": .integer(n.merges), "conflicts": .integer(n.conflicts), "undos": .integer(n.undos)]
        }))
        try out.arrayField("events") { element throws(StoreError) in
            var comments: Int64 = 0
            try db.forEach("""
                SELECT seq, kind, actor, turn_seq, row_key, row_version, data, created_at FROM events WHERE sid = ? ORDER BY seq
                """, bySession) { row throws(StoreError) in
                var data: JSONValue = row.isNull(6) ? .null : try row.json(6)
                // Comment ids are numbered server-wide, so an import numbers them anew: the
                // document names a comment by its place in `comments` (the n-th comment event is
                // about the n-th comment; see `SessionImport.renumberCommentEvents`), and an
                // imported session exports as it was.
                if row.text(1) == "comment", case .object(var fields) = data, fields["id"] != nil {
                    comments += 1
                    fields["id"] = .integer(comments)
                    data = .object(fields)
                }
                try element(eventJSON(row, data: data))
            }
        }
        try out.field("format", .string(format))
        try out.field("members", .array(try db.query("SELECT user_id, role, added_at FROM members WHERE sid = ? ORDER BY user_id", bySession) {
            JSONValue.object(["user": .string($0.text(0)), "role": .string($0.text(1)), "added_at": .integer($0.int(2))])
        }))
        try out.arrayField("row_history") { element throws(StoreError) in
            try db.forEach("SELECT key, version, value, author, created_at, merged FROM state_history WHERE sid = ? ORDER BY key, version",
                           bySession) { row throws(StoreError) in try element(rowJSON(try RowRows.map(row))) }
        }
        try out.field("rows", .array(try db.query("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ? ORDER BY key",
                                                  bySession, RowRows.map).map(rowJSON)))
        try out.field("session", try sessionJSON(db, s, sid: sid))
        try out.arrayField("turns") { element throws(StoreError) in
            try db.forEach("SELECT \(TurnRows.columns) FROM turns WHERE sid = ? ORDER BY seq", bySession) { row throws(StoreError) in
                try element(turnJSON(row, retired: retired))
            }
        }
        try out.field("users", .array(try db.query("""
            SELECT id, display_name, created_at FROM users WHERE id IN
              (SELECT user_id FROM members WHERE sid = ?1 UNION SELECT owner FROM sessions WHERE sid = ?1) ORDER BY id
            """, bySession) { JSONValue.object(["id": .string($0.text(0)), "display_name": .string($0.text(1)), "created_at": .integer($0.int(2))]) }))
        try out.field("version", 1)
    }

    private static func opt(_ v: Int64?) -> JSONValue { v.map(JSONValue.integer) ?? .null }
    private static func opt(_ v: String?) -> JSONValue { v.map(JSONValue.string) ?? .null }

    private static func sessionJSON(_ db: Database, _ s: Session, sid: Int64) throws(StoreError) -> JSONValue {
        let forkRows = try db.queryOne("SELECT fork_rows FROM sessions WHERE sid = ?", [.integer(sid)]) { row throws(StoreError) in
            row.isNull(0) ? JSONValue.null : try row.json(0)
        } ?? .null
        return [
            "id": .string(s.id), "title": .string(s.title), "owner": .string(s.owner), "metadata": s.metadata,
            "status": .string(s.status.rawValue), "created_at": .integer(s.createdAt), "updated_at": .integer(s.updatedAt),
            "paused_at": opt(s.pausedAt), "archived_at": opt(s.archivedAt), "last_turn_seq": .integer(s.lastTurnSeq),
            "last_event_seq": .integer(s.lastEventSeq), "parent_id": opt(s.parentID), "fork_seq": opt(s.forkSeq),
            "fork_rows": forkRows, "branch_status": opt(s.branchStatus),
        ]
    }

    /// The turn's state as readers see it (`TurnRetirements`): the document carries no retirements.
    private static func turnJSON(_ row: Row, retired: TurnRetirements) throws(StoreError) -> JSONValue {
        let seq = row.int(0)
        var turn: [String: JSONValue] = [
            "seq": .integer(seq), "role": .string(row.text(1)), "author": .string(row.text(2)),
            "content": .string(row.text(3)), "metadata": try row.json(4), "tokens_in": .integer(CountBound.held(row.int(5))),
            "tokens_out": .integer(CountBound.held(row.int(6))), "created_at": .integer(row.int(7)),
            "state": .integer(retired.state(TurnState(rawValue: row.int(8)) ?? .live, seq: seq).rawValue),
            "event_seq": .integer(row.int(9))]
        if let nonce = row.optionalText(10) { turn["nonce"] = .string(nonce) }
        return .object(turn)
    }

    private static func eventJSON(_ row: Row, data: JSONValue) -> JSONValue {
        .object(["seq": .integer(row.int(0)), "kind": .string(row.text(1)), "actor": opt(row.optionalText(2)),
                 "turn_seq": opt(row.optionalInt(3)), "row_key": opt(row.optionalText(4)),
                 "row_version": opt(row.optionalInt(5)), "data": data,
                 "created_at": .integer(row.int(7))])
    }

    /// Bytes the document takes at the least: the text of its turns, rows and comments plus a
    /// floor per record for the keys around them (each record's keys alone take more).
    static func sizeLowerBound(_ db: Database, sid: Int64) throws(StoreError) -> Int {
        let total: Int64? = try db.scalar("""
            SELECT (SELECT coalesce(sum(length(CAST(content AS BLOB)) + length(CAST(metadata AS BLOB)) + 100), 0) FROM turns WHERE sid = ?1)
              + (SELECT coalesce(sum(length(CAST(value AS BLOB)) + 50), 0) FROM state_history WHERE sid = ?1)
              + (SELECT coalesce(sum(length(CAST(value AS BLOB)) + 50), 0) FROM state_rows WHERE sid = ?1)
              + (SELECT coalesce(sum(length(CAST(body AS BLOB)) + 40), 0) FROM comments WHERE sid = ?1)
              + (SELECT count(*) * 80 FROM events WHERE sid = ?1)
            """, [.integer(sid)])
        return Int(total ?? 0)
    }

    private static func rowJSON(_ r: StateRow) -> JSONValue {
        ["key": .string(r.key), "version": .integer(r.version), "value": r.value, "author": .string(r.author),
         "at": .integer(r.updatedAt), "merged": .bool(r.merged)]
    }
}
