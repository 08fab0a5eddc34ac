import TandemJSON

/// Writes an export document back, field for field, so that export → import → export is identical.
enum SessionImport {
    /// Checks the format, then inserts the session and everything in it; the big lists are read
    /// one record at a time, so a scanned document is never held as one tree.
    static func run(_ ctx: WriteContext, _ doc: any ImportSource, asID: String?) throws(StoreError) -> Int64 {
        let db = ctx.db
        guard try doc.field("format")?.stringValue == SessionExport.format, try doc.field("version")?.intValue == 1 else {
            throw StoreError.invalid("not a \(SessionExport.format) version 1 document")
        }
        guard let s = try doc.field("session") else { throw bad("session") }
        let id: String
        if let asID { id = asID } else { id = try str(s, "id") }
        try Validate.identifier(id, what: "session id")
        try doc.forEach("users") { u throws(StoreError) in
            let uid = try str(u, "id")
            if try !db.userExists(uid) {
                try db.run("INSERT INTO users(id, display_name, created_at) VALUES (?,?,?)",
                           [.text(uid), .text(try str(u, "display_name")), .integer(try int(u, "created_at"))])
            }
        }
        if try db.scalar("SELECT 1 FROM sessions WHERE id = ?", [.text(id)]) != nil {
            throw StoreError(.alreadyExists, "session \(id) already exists")
        }
        guard let status = SessionStatus(rawValue: try str(s, "status")) else { throw bad("session.status") }
        var parentSid = SQLValue.null
        if let parent = s["parent_id"]?.stringValue,
           let psid = try db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(parent)]) { parentSid = .integer(psid) }
        let forkRows: SQLValue = (s["fork_rows"] ?? .null).isNull ? .null : .json(s["fork_rows"]!)
        try db.run("""
            INSERT INTO sessions(id, title, owner, metadata, status, created_at, updated_at, paused_at, archived_at,
              last_turn_seq, last_event_seq, parent_sid, fork_seq, fork_rows, branch_status)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [.text(id), .text(try str(s, "title")), .text(try str(s, "owner")), .json(s["metadata"] ?? [:]),
                  .text(status.rawValue), .integer(try int(s, "created_at")), .integer(try int(s, "updated_at")),
                  .optional(s["paused_at"]?.intValue), .optional(s["archived_at"]?.intValue),
                  .integer(try int(s, "last_turn_seq")), .integer(try int(s, "last_event_seq")), parentSid,
                  .optional(s["fork_seq"]?.intValue), forkRows, .optional(s["branch_status"]?.stringValue)])
        let sid = db.lastInsertRowID
        try doc.forEach("members") { m throws(StoreError) in
            guard Role(rawValue: try str(m, "role")) != nil else { throw bad("members.role") }
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                       [.integer(sid), .text(try str(m, "user")), .text(try str(m, "role")), .integer(try int(m, "added_at"))])
        }
        try doc.forEach("turns") { t throws(StoreError) in
            guard TurnRole(rawValue: try str(t, "role")) != nil, TurnState(rawValue: try int(t, "state")) != nil else { throw bad("turns") }
            try Turns.insert(db, sid: sid, seq: try int(t, "seq"), role: try str(t, "role"), author: try str(t, "author"),
                             content: try str(t, "content"), metadata: (t["metadata"] ?? [:]).serialized(),
                             tokensIn: try int(t, "tokens_in"), tokensOut: try int(t, "tokens_out"),
                             createdAt: try int(t, "created_at"), state: try int(t, "state"), eventSeq: try int(t, "event_seq"),
                             nonce: t["nonce"]?.stringValue)
        }
        // New turn ids lie above the index mark: the writer indexes them later.
        try doc.forEach("comments") { c throws(StoreError) in
            try db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (?,?,?,?,?)",
                       [.integer(sid), .integer(try int(c, "turn_seq")), .text(try str(c, "author")), .text(try str(c, "body")),
                        .integer(try int(c, "created_at"))])
        }
        for (table, field) in [("state_rows", "rows"), ("state_history", "row_history")] {
            let timeColumn = table == "state_rows" ? "updated_at" : "created_at"
            try doc.forEach(field) { r throws(StoreError) in
                try db.run("INSERT INTO \(table)(sid, key, version, value, author, \(timeColumn), merged) VALUES (?,?,?,?,?,?,?)",
                           [.integer(sid), .text(try str(r, "key")), .integer(try int(r, "version")), .json(r["value"] ?? .null),
                            .text(try str(r, "author")), .integer(try int(r, "at")), .int(r["merged"]?.boolValue == true ? 1 : 0)])
            }
        }
        try doc.forEach("checkpoints") { c throws(StoreError) in
            try db.run("INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at) VALUES (?,?,?,?,?,?)",
                       [.integer(sid), .text(try str(c, "name")), .integer(try int(c, "turn_seq")), .json(c["rows"] ?? [:]),
                        .text(try str(c, "created_by")), .integer(try int(c, "created_at"))])
        }
        try doc.forEach("contributions") { c throws(StoreError) in
            try db.run("""
                INSERT INTO contributions(sid, user_id, turns, tokens_in, tokens_out, comments, row_writes, merges, conflicts, undos)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """, [.integer(sid), .text(try str(c, "user")), .integer(try int(c, "turns")), .integer(try int(c, "tokens_in")),
                      .integer(try int(c, "tokens_out")), .integer(try int(c, "comments")), .integer(try int(c, "row_writes")),
                      .integer(try int(c, "merges")), .integer(try int(c, "conflicts")), .integer(try int(c, "undos"))])
        }
        try doc.forEach("events") { e throws(StoreError) in
            try db.run("""
                INSERT INTO events(sid, seq, kind, actor, turn_seq, row_key, row_version, data, created_at) VALUES (?,?,?,?,?,?,?,?,?)
                """, [.integer(sid), .integer(try int(e, "seq")), .text(try str(e, "kind")), .optional(e["actor"]?.stringValue),
                      .optional(e["turn_seq"]?.intValue), .optional(e["row_key"]?.stringValue), .optional(e["row_version"]?.intValue),
                      (e["data"] ?? .null).isNull ? .null : .json(e["data"]!), .integer(try int(e, "created_at"))])
        }
        return sid
    }

    private static func bad(_ field: String) -> StoreError { StoreError.invalid("export document: bad or missing \(field)") }

    private static func str(_ v: JSONValue, _ key: String) throws(StoreError) -> String {
        guard let s = v[key]?.stringValue else { throw bad(key) }
        return s
    }

    private static func int(_ v: JSONValue, _ key: String) throws(StoreError) -> Int64 {
        guard let i = v[key]?.intValue else { throw bad(key) }
        return i
    }
}
