import TandemJSON

/// Writes an export document back, field for field, so that export → import → export is identical
/// but for the session's `updated_at`, which is the import's own stamp (`publish`).
///
/// In several transactions, so that a big document never holds the write lock for long: `begin`
/// inserts the session hidden (status `importing`, id `~importing~SID`: like a session being
/// deleted, no lookup, list or search finds it) after the users it names; `insert` adds a chunk of
/// one list's records; `publish` gives the session its id, status and members. A failure on the
/// way hands the hidden session to the delete steps (`abandon`); so does a crash: a hidden session
/// whose writing process is gone is handed over when the database is next opened, or by a running
/// store's `abandonStaleImports()`; one not heard from for `abandonedAfter` too (`ImportReclaim`).
enum SessionImport {
    /// The `sessions.status` of a session being imported.
    static let status = "importing"
    /// How long an import may go without a step before it counts as abandoned when its writer
    /// cannot be proven gone (a step takes milliseconds; the writer is hung, or was killed and
    /// recorded no owner: see `ImportReclaim`).
    static let abandonedAfterMilliseconds: Int64 = 10 * 60 * 1000
    /// The document's lists, in the order they are inserted.
    static let lists = ["turns", "comments", "rows", "row_history", "checkpoints", "contributions", "events"]

    /// What `begin` and `publish` need, read before anything is written.
    struct Header: Sendable {
        var id: String
        var session: JSONValue
        var users: [JSONValue]
        var members: [JSONValue]
        /// The user an import over the wire belongs to (see `Store.importSession(_:asID:claimedBy:)`).
        var claimant: String?
        /// The session's counters and the limits every record is held to.
        var bounds: ImportChecks.Bounds
        var owner: String {
            get throws(StoreError) {
                if let claimant { return claimant }
                return try str(session, "owner")
            }
        }
    }

    /// Checks the format and reads the session, its users and members. With a `claimant`, the
    /// document's users and members are left out: the claimant owns the session alone.
    static func header(_ doc: any ImportSource, asID: String?, claimant: String? = nil,
                       _ configuration: StoreConfiguration) throws(StoreError) -> Header {
        guard try doc.field("format")?.stringValue == SessionExport.format, try doc.field("version")?.intValue == 1 else {
            throw StoreError.invalid("not a \(SessionExport.format) version 1 document")
        }
        guard let s = try doc.field("session") else { throw bad("session") }
        let id: String
        if let asID { id = asID } else { id = try str(s, "id") }
        try Validate.identifier(id, what: "session id")
        guard SessionStatus(rawValue: try str(s, "status")) != nil else { throw bad("session.status") }
        var users: [JSONValue] = []
        try doc.forEach("users") { users.append($0) }
        var members: [JSONValue] = []
        try doc.forEach("members") { m throws(StoreError) in
            guard Role(rawValue: try str(m, "role")) != nil else { throw bad("members.role") }
            _ = try str(m, "user")
            _ = try int(m, "added_at")
            members.append(m)
        }
        var bounds = try ImportChecks.header(session: s, users: users, members: members, configuration)
        bounds.claimant = claimant
        if let claimant { return Header(id: id, session: s, users: [], members: [], claimant: claimant, bounds: bounds) }
        return Header(id: id, session: s, users: users, members: members, bounds: bounds)
    }

    /// Creates the users the document names that are missing here (they stay if the import
    /// fails later), then the session, hidden; returns its sid.
    static func begin(_ ctx: WriteContext, _ header: Header) throws(StoreError) -> Int64 {
        let db = ctx.db
        // An import over the wire is the importer's session (the operator's are not counted).
        if let claimant = header.claimant { try Quotas.requireSessionRoom(ctx, owner: claimant) }
        for u in header.users {
            let uid = try str(u, "id")
            if try !db.userExists(uid) {
                try db.run("INSERT INTO users(id, display_name, created_at) VALUES (?,?,?)",
                           [.text(uid), .text(try str(u, "display_name")), .integer(try int(u, "created_at"))])
            }
        }
        // Every user the session names is here by now: one the document does not list failed on a
        // foreign key, an SQLite error answered `internal`.
        var named = [try header.owner]
        for m in header.members { named.append(try str(m, "user")) }
        for uid in named where try !db.userExists(uid) {
            throw StoreError.invalid("user \(uid) is not in the document's users nor in this database")
        }
        try requireFree(db, header.id)
        let s = header.session
        var parentSid = SQLValue.null
        // A claimed import is a session of its own: never a branch of a session that may not be the claimant's.
        if header.claimant == nil, let parent = s["parent_id"]?.stringValue,
           let psid = try db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(parent)]) { parentSid = .integer(psid) }
        let forkRows: SQLValue = (s["fork_rows"] ?? .null).isNull ? .null : .json(s["fork_rows"]!)
        return try insertHidden(ctx, [
            ("title", .text(try str(s, "title"))), ("owner", .text(try header.owner)), ("metadata", .json(s["metadata"] ?? [:])),
            ("created_at", .integer(try int(s, "created_at"))), ("last_turn_seq", .integer(try int(s, "last_turn_seq"))),
            ("last_event_seq", .integer(try int(s, "last_event_seq"))), ("parent_sid", parentSid),
            ("fork_seq", .optional(s["fork_seq"]?.intValue)), ("fork_rows", forkRows),
            ("branch_status", .optional(s["branch_status"]?.stringValue)),
        ])
    }

    /// Inserts a session row with `columns`, hidden: status `importing`, id `~importing~SID`,
    /// `updated_at` now (see `keepAlive`), `importer` this process and the store's lock slot
    /// (`ImportOwner`, `WriterLock`: a restart after this process is killed hands it over at once,
    /// from any pid namespace). Returns its sid.
    static func insertHidden(_ ctx: WriteContext, _ columns: [(name: String, value: SQLValue)]) throws(StoreError) -> Int64 {
        let db = ctx.db
        let names = (["id", "status", "updated_at", "importer"] + columns.map(\.name)).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        // The store's lock is held before this row can record its slot (and stays held until the
        // store closes), so no judge ever sees a recorded slot free while this store is open.
        let importer: SQLValue = LocalProcesses.current.map { (here: ImportOwner) -> SQLValue in
            var owner = here
            owner.lock = ctx.writerLock?.slot()
            return .text(owner.token)
        } ?? .null
        // The id is unique: a placeholder no identifier can spell, until the sid is known.
        try db.run("INSERT INTO sessions(\(names)) VALUES ('~importing~', '\(status)', ?, ?, \(marks))",
                   [.integer(ctx.now), importer] + columns.map(\.value))
        let sid = db.lastInsertRowID
        try db.run("UPDATE sessions SET id = '~importing~' || sid WHERE sid = ?", [.integer(sid)])
        return sid
    }

    /// Checks and inserts `records` of the list `list` into the hidden session `sid`.
    static func insert(_ ctx: WriteContext, sid: Int64, list: String, _ records: [JSONValue], _ bounds: ImportChecks.Bounds) throws(StoreError) {
        try keepAlive(ctx, sid: sid)
        for var record in records {
            if let claimant = bounds.claimant {
                record = ImportAuthors.marking(record, list: list, claimant: claimant)
                if list == "events" { record = unbranched(record) }
            }
            try ImportChecks.record(record, of: list, bounds)
            do { try insert(ctx.db, sid: sid, list: list, record) } catch { throw ImportChecks.duplicate(error, in: list) }
        }
        // A claimed import is the claimant's session, held to the per-session caps like one
        // they grew by hand; the operator's (tandem-admin) is not, as with every quota.
        if bounds.claimant != nil { try Quotas.requireImportRoom(ctx, sid: sid, list: list) }
    }

    /// A claimed import is no branch of anything (`begin`), so its `session` events name no parent
    /// either: the document's (the branch it was exported from had one) would replay as the parent of
    /// a session that is none's branch, a session of this server or of no server. An `unparent`
    /// change keeps its place in the log but not the parent's id (its `detail`), for the same reason.
    static func unbranched(_ record: JSONValue) -> JSONValue {
        guard case .object(var fields) = record, case .object(var data)? = fields["data"] else { return record }
        var changed = false
        if fields["kind"]?.stringValue == ChangeEvent.Kind.unparent.rawValue, data["parent"] != nil {
            data["parent"] = nil
            changed = true
        }
        if case .object(var after)? = data["after"], let parent = after["parent"], !parent.isNull {
            after["parent"] = .null
            data["after"] = .object(after)
            changed = true
        }
        guard changed else { return record }
        fields["data"] = .object(data)
        return .object(fields)
    }

    /// Marks the hidden session `sid` as still being written (see `ImportReclaim`); `closed` when
    /// it was given up meanwhile.
    static func keepAlive(_ ctx: WriteContext, sid: Int64) throws(StoreError) {
        let db = ctx.db
        guard try db.scalar("SELECT 1 FROM sessions WHERE sid = ? AND status = '\(status)'", [.integer(sid)]) != nil else {
            throw StoreError(.closed, "given up: not heard from for \(abandonedAfterMilliseconds / 60_000) minutes")
        }
        try db.run("UPDATE sessions SET updated_at = ? WHERE sid = ?", [.integer(ctx.now), .integer(sid)])
    }

    /// Gives the hidden session `sid` its id, status and members: it appears, whole, in one
    /// transaction. `already_exists` when the id was taken meanwhile.
    static func publish(_ ctx: WriteContext, sid: Int64, _ header: Header) throws(StoreError) {
        let db = ctx.db
        try requireFree(db, header.id)
        try ImportChecks.consistency(db, sid: sid, header.bounds)
        let s = header.session
        if let claimant = header.claimant {
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                       [.integer(sid), .text(claimant), .text(Role.owner.rawValue), .integer(ctx.now)])
        }
        for m in header.members {
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                       [.integer(sid), .text(try str(m, "user")), .text(try str(m, "role")), .integer(try int(m, "added_at"))])
        }
        try db.run(Checkpoints.backfillEventSeq("sid = ?"), [.integer(sid)])
        try renumberCommentEvents(db, sid: sid)
        let created = try SessionIncarnation.created(db, id: header.id, proposed: try int(s, "created_at"))
        // The session changed on this server now, whatever the document's date: its `updated_at` is this
        // write's stamp, so that a poller's `session.list {updated_since: T}` finds it (a session dated
        // before T would never be listed to the members it appears to). Its records keep their times.
        let status = try str(s, "status")
        // The document's last change, for what an archived or paused session lacks. Never after this
        // server's own stamp: the writer's stamps resume from the newest `updated_at` (`WriteStamps`).
        let documentUpdated = min(try int(s, "updated_at"), ctx.now)
        // An archived session without the time it was archived (a document edited by hand) would never
        // be purged (`purgeArchived` compares that time): it takes its last change's, as a paused one does.
        func since(_ key: String, _ when: SessionStatus) -> Int64? { s[key]?.intValue ?? (status == when.rawValue ? documentUpdated : nil) }
        try db.run("""
            UPDATE sessions SET id = ?, status = ?, created_at = ?, updated_at = ?, paused_at = ?, archived_at = ? WHERE sid = ?
            """, [.text(header.id), .text(status), .integer(created), .integer(ctx.now),
                  .optional(since("paused_at", .paused)), .optional(since("archived_at", .archived)), .integer(sid)])
    }

    /// The comments got new ids here, while the `comment` events name them by the exporter's (a
    /// replay would show another session's comment). Comments are never deleted one by one, so
    /// both lists are in writing order and the n-th event is about the n-th comment.
    private static func renumberCommentEvents(_ db: Database, sid: Int64) throws(StoreError) {
        let ids = try db.query("SELECT id FROM comments WHERE sid = ? ORDER BY id", [.integer(sid)]) { $0.int(0) }
        let events = try db.query("SELECT seq FROM events WHERE sid = ? AND kind = 'comment' ORDER BY seq", [.integer(sid)]) { $0.int(0) }
        guard ids.count == events.count else { return }
        for (seq, id) in zip(events, ids) {
            try db.run("UPDATE events SET data = json_set(data, '$.id', ?) WHERE sid = ? AND seq = ?",
                       [.integer(id), .integer(sid), .integer(seq)])
        }
    }

    /// Hands the hidden session `sid` to the delete steps (the import failed).
    static func abandon(_ ctx: WriteContext, sid: Int64) throws(StoreError) {
        try ctx.db.run("UPDATE sessions SET \(SessionReaper.handOver) WHERE sid = ? AND status = '\(status)'", [.integer(sid)])
        ctx.choreDue = true
    }

    static func requireFree(_ db: Database, _ id: String) throws(StoreError) {
        if try db.scalar("SELECT 1 FROM sessions WHERE id = ?", [.text(id)]) != nil {
            throw StoreError(.alreadyExists, "session \(id) already exists")
        }
    }

    /// One record of one list.
    private static func insert(_ db: Database, sid: Int64, list: String, _ r: JSONValue) throws(StoreError) {
        switch list {
        case "turns":
            guard TurnRole(rawValue: try str(r, "role")) != nil, TurnState(rawValue: try int(r, "state")) != nil else { throw bad("turns") }
            // New turn ids lie above the index mark: the indexer takes them later.
            try Turns.insert(db, sid: sid, seq: try int(r, "seq"), role: try str(r, "role"), author: try str(r, "author"),
                             content: try str(r, "content"), metadata: (r["metadata"] ?? [:]).serialized(),
                             tokensIn: try int(r, "tokens_in"), tokensOut: try int(r, "tokens_out"),
                             createdAt: try int(r, "created_at"), state: try int(r, "state"), eventSeq: try int(r, "event_seq"),
                             nonce: r["nonce"]?.stringValue)
        case "comments":
            try db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (?,?,?,?,?)",
                       [.integer(sid), .integer(try int(r, "turn_seq")), .text(try str(r, "author")), .text(try str(r, "body")),
                        .integer(try int(r, "created_at"))])
        case "rows", "row_history":
            let key = try str(r, "key")
            let values: [SQLValue] = [.integer(sid), .text(key), .integer(try int(r, "version")), .json(r["value"] ?? .null),
                                      .text(try str(r, "author")), .integer(try int(r, "at")), .int(r["merged"]?.boolValue == true ? 1 : 0)]
            if list == "rows" {
                // nfc_key: what `Rows.refuseRespelling` seeks (`RowKeySpelling`).
                try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at, merged, nfc_key) VALUES (?,?,?,?,?,?,?,?)",
                           values + [RowKeySpelling.of(key).map { .text($0) } ?? .null])
            } else {
                try db.run("INSERT INTO state_history(sid, key, version, value, author, created_at, merged) VALUES (?,?,?,?,?,?,?)", values)
            }
        case "checkpoints":
            // An export older than event_seq leaves it null; `publish` fills it in once the events are there.
            try db.run("""
                INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count) VALUES (?,?,?,?,?,?,?,?)
                """, [.integer(sid), .text(try str(r, "name")), .integer(try int(r, "turn_seq")), .json(r["rows"] ?? [:]),
                      .text(try str(r, "created_by")), .integer(try int(r, "created_at")), .optional(r["event_seq"]?.intValue),
                      .int(r["rows"]?.objectValue?.count ?? 0)])
        case "contributions":
            try db.run("""
                INSERT INTO contributions(sid, user_id, turns, tokens_in, tokens_out, comments, row_writes, merges, conflicts, undos)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """, [.integer(sid), .text(try str(r, "user")), .integer(try int(r, "turns")), .integer(try int(r, "tokens_in")),
                      .integer(try int(r, "tokens_out")), .integer(try int(r, "comments")), .integer(try int(r, "row_writes")),
                      .integer(try int(r, "merges")), .integer(try int(r, "conflicts")), .integer(try int(r, "undos"))])
        case "events":
            try db.run("""
                INSERT INTO events(sid, seq, kind, actor, turn_seq, row_key, row_version, data, created_at) VALUES (?,?,?,?,?,?,?,?,?)
                """, [.integer(sid), .integer(try int(r, "seq")), .text(try str(r, "kind")), .optional(r["actor"]?.stringValue),
                      .optional(r["turn_seq"]?.intValue), .optional(r["row_key"]?.stringValue), .optional(r["row_version"]?.intValue),
                      (r["data"] ?? .null).isNull ? .null : .json(r["data"]!), .integer(try int(r, "created_at"))])
        default:
            preconditionFailure("not a list of the export document: \(list)")
        }
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
