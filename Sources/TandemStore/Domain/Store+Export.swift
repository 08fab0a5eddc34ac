import TandemJSON

extension Store {
    /// The whole session as one JSON document (admin+): session, users it references, members,
    /// turns, comments, rows with full history, checkpoints, contributions and the change log.
    /// Serialized with sorted keys, so equal sessions give identical bytes.
    ///
    /// Read from one snapshot on a reader, so a big export never holds up commits (counters staged
    /// by the writer are written in the commit that made them: a snapshot has them exact). With
    /// `maxBytes`, a session whose document would be larger is `too_large`, refused before the
    /// document is built when its text alone is over the limit.
    public func exportSession(id: String, actor: String, maxBytes: Int? = nil) throws(StoreError) -> JSONValue {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.export, session: id, actor: actor)
            if let maxBytes {
                let atLeast = try SessionExport.sizeLowerBound(db, sid: ref.sid)
                guard atLeast <= maxBytes else {
                    throw StoreError(.tooLarge, "the export of session \(id) is over \(atLeast) bytes; the limit is \(maxBytes)")
                }
            }
            let document = try SessionExport.export(db, sid: ref.sid)
            if let maxBytes {
                let size = document.serializedBytes().count
                guard size <= maxBytes else {
                    throw StoreError(.tooLarge, "the export of session \(id) is \(size) bytes; the limit is \(maxBytes)")
                }
            }
            return document
        }
    }

    /// Export as compact JSON text.
    public func exportSessionText(id: String, actor: String) throws(StoreError) -> String {
        try exportSession(id: id, actor: actor).serialized()
    }

    /// Imports a document made by `exportSession` (an administrative operation: no member check).
    /// Keeps the session id (or uses `asID`); `conflict` when it exists; users missing here are
    /// created from the document. `invalid_json` / `invalid_argument` for a malformed document.
    public func importSession(json text: String, asID: String? = nil, actor: String = "system") throws(StoreError) -> Session {
        let document = try Validate.parse(text, what: "export document", max: Int.max)
        return try importSession(document, asID: asID, actor: actor)
    }

    public func importSession(_ document: JSONValue, asID: String? = nil, actor: String = "system") throws(StoreError) -> Session {
        guard document["format"]?.stringValue == SessionExport.format, document["version"]?.intValue == 1 else {
            throw StoreError.invalid("not a \(SessionExport.format) version 1 document")
        }
        if let asID { try Validate.identifier(asID, what: "session id") }
        return try write { ctx throws(StoreError) in
            let sid = try SessionImport.run(ctx, document, asID: asID)
            let session = try SessionRows.load(ctx.db, sid: sid)
            try ctx.db.audit(actor: actor, action: "session.import", sessionID: session.id, now: ctx.now)
            return session
        }
    }
}

enum SessionExport {
    static let format = "tandem.session"

    static func opt(_ v: Int64?) -> JSONValue { v.map(JSONValue.integer) ?? .null }
    static func opt(_ v: String?) -> JSONValue { v.map(JSONValue.string) ?? .null }

    static func export(_ db: Database, sid: Int64) throws(StoreError) -> JSONValue {
        let s = try SessionRows.load(db, sid: sid)
        let forkRows = try db.queryOne("SELECT fork_rows FROM sessions WHERE sid = ?", [.integer(sid)]) { row throws(StoreError) in
            row.isNull(0) ? JSONValue.null : try row.json(0)
        } ?? .null
        let session: JSONValue = [
            "id": .string(s.id), "title": .string(s.title), "owner": .string(s.owner), "metadata": s.metadata,
            "status": .string(s.status.rawValue), "created_at": .integer(s.createdAt), "updated_at": .integer(s.updatedAt),
            "paused_at": opt(s.pausedAt), "archived_at": opt(s.archivedAt), "last_turn_seq": .integer(s.lastTurnSeq),
            "last_event_seq": .integer(s.lastEventSeq), "parent_id": opt(s.parentID), "fork_seq": opt(s.forkSeq),
            "fork_rows": forkRows, "branch_status": opt(s.branchStatus),
        ]
        let users = try db.query("""
            SELECT id, display_name, created_at FROM users WHERE id IN
              (SELECT user_id FROM members WHERE sid = ?1 UNION SELECT owner FROM sessions WHERE sid = ?1) ORDER BY id
            """, [.integer(sid)]) { JSONValue.object(["id": .string($0.text(0)), "display_name": .string($0.text(1)), "created_at": .integer($0.int(2))]) }
        let members = try db.query("SELECT user_id, role, added_at FROM members WHERE sid = ? ORDER BY user_id", [.integer(sid)]) {
            JSONValue.object(["user": .string($0.text(0)), "role": .string($0.text(1)), "added_at": .integer($0.int(2))])
        }
        let turns = try db.query("SELECT \(TurnRows.columns) FROM turns WHERE sid = ? ORDER BY seq", [.integer(sid)]) { row throws(StoreError) in
            var turn: [String: JSONValue] = [
                "seq": .integer(row.int(0)), "role": .string(row.text(1)), "author": .string(row.text(2)),
                "content": .string(row.text(3)), "metadata": try row.json(4), "tokens_in": .integer(row.int(5)),
                "tokens_out": .integer(row.int(6)), "created_at": .integer(row.int(7)), "state": .integer(row.int(8)),
                "event_seq": .integer(row.int(9))]
            if let nonce = row.optionalText(10) { turn["nonce"] = .string(nonce) }
            return JSONValue.object(turn)
        }
        let comments = try db.query("SELECT turn_seq, author, body, created_at FROM comments WHERE sid = ? ORDER BY id", [.integer(sid)]) {
            JSONValue.object(["turn_seq": .integer($0.int(0)), "author": .string($0.text(1)), "body": .string($0.text(2)),
                              "created_at": .integer($0.int(3))])
        }
        let history = try db.query("SELECT key, version, value, author, created_at, merged FROM state_history WHERE sid = ? ORDER BY key, version",
                                   [.integer(sid)], RowRows.map).map(rowJSON)
        let rows = try db.query("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ? ORDER BY key",
                                [.integer(sid)], RowRows.map).map(rowJSON)
        let checkpoints = try Checkpoints.list(db, sid: sid).map { c -> JSONValue in
            ["name": .string(c.name), "turn_seq": .integer(c.turnSeq), "rows": Checkpoints.encode(c.rowVersions),
             "created_by": .string(c.createdBy), "created_at": .integer(c.createdAt)]
        }
        let contributions = try Contributions.load(db, "c.sid = ?", [.integer(sid)]).map { c -> JSONValue in
            let n = c.counts
            return ["user": .string(c.userID), "turns": .integer(n.turns), "tokens_in": .integer(n.tokensIn),
                    "tokens_out": .integer(n.tokensOut), "comments": .integer(n.comments), "row_writes": .integer(n.rowWrites),
                    "merges": .integer(n.merges), "conflicts": .integer(n.conflicts), "undos": .integer(n.undos)]
        }
        let events = try db.query("""
            SELECT seq, kind, actor, turn_seq, row_key, row_version, data, created_at FROM events WHERE sid = ? ORDER BY seq
            """, [.integer(sid)]) { row throws(StoreError) in
            JSONValue.object(["seq": .integer(row.int(0)), "kind": .string(row.text(1)), "actor": opt(row.optionalText(2)),
                              "turn_seq": opt(row.optionalInt(3)), "row_key": opt(row.optionalText(4)),
                              "row_version": opt(row.optionalInt(5)), "data": row.isNull(6) ? .null : try row.json(6),
                              "created_at": .integer(row.int(7))])
        }
        return ["format": .string(format), "version": 1, "session": session, "users": .array(users),
                "members": .array(members), "turns": .array(turns), "comments": .array(comments),
                "rows": .array(rows), "row_history": .array(history), "checkpoints": .array(checkpoints),
                "contributions": .array(contributions), "events": .array(events)]
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

    static func rowJSON(_ r: StateRow) -> JSONValue {
        ["key": .string(r.key), "version": .integer(r.version), "value": r.value, "author": .string(r.author),
         "at": .integer(r.updatedAt), "merged": .bool(r.merged)]
    }
}
