import TandemJSON

/// What an import document must satisfy: every record within the limits and ranges of a session
/// made here, and the lists consistent with each other and with the session's counters. A session
/// made here always is; a document edited by hand, or by someone who means harm, may not be, and
/// its session would fail later writes (a counter below a stored seq, which failed every post batched
/// with its own), overflow them (a counter near Int64.max crashed the writer) or replay its change
/// log with gaps. Records are checked as they are read (`record`); the lists against each other once
/// all are in, before the session appears (`consistency`).
enum ImportChecks {
    /// Largest counter, seq, version or count a document may carry.
    static let maxCount = CountBound.most

    /// Latest timestamp, in milliseconds: the end of year 9999.
    static let maxTime: Int64 = 253_402_300_799_999
    /// The change-log kinds of the `events` list (turns carry their own event seqs).
    static let eventKinds: Set<String> = Set(["undo", "clear", "state", "restore", "status", "session", "member", "comment", "branch_merge",
                                                   "unparent"])

    /// The session's counters and the limits records are held to.
    struct Bounds {
        var lastTurn: Int64
        var lastEvent: Int64
        var configuration: StoreConfiguration
        /// The user an import over the wire belongs to: the other users its records name are marked
        /// (`ImportAuthors`).
        var claimant: String? = nil
    }

    /// Checks the session record and the users and members; returns the counters.
    static func header(session s: JSONValue, users: [JSONValue], members: [JSONValue],
                       _ configuration: StoreConfiguration) throws(StoreError) -> Bounds {
        let bounds = Bounds(lastTurn: try count(s, "last_turn_seq", (0, maxCount), in: "session"),
                            lastEvent: try count(s, "last_event_seq", (0, maxCount), in: "session"),
                            configuration: configuration)
        try Validate.text(try string(s, "title", in: "session"), what: "session title", max: configuration.maxTitleBytes, allowEmpty: true)
        _ = try Validate.object(s["metadata"] ?? [:], what: "session metadata", max: configuration.maxMetadataBytes)
        for key in ["created_at", "updated_at"] { _ = try time(s, key, in: "session") }
        for key in ["paused_at", "archived_at"] where !(s[key] ?? .null).isNull { _ = try time(s, key, in: "session") }
        if !(s["fork_seq"] ?? .null).isNull { _ = try count(s, "fork_seq", (0, maxCount), in: "session") }
        for u in users {
            try Validate.identifier(try string(u, "id", in: "users"), what: "user id")
            try Validate.text(try string(u, "display_name", in: "users"), what: "display name", max: configuration.maxTitleBytes)
            _ = try time(u, "created_at", in: "users")
        }
        for m in members {
            try Validate.identifier(try string(m, "user", in: "members"), what: "member")
            _ = try time(m, "added_at", in: "members")
        }
        return bounds
    }

    /// Checks one record of the list `list`.
    static func record(_ r: JSONValue, of list: String, _ b: Bounds) throws(StoreError) {
        let config = b.configuration
        switch list {
        case "turns":
            let seq = try count(r, "seq", (1, b.lastTurn), in: list, of: "last_turn_seq")
            _ = try count(r, "event_seq", (1, b.lastEvent), in: list, of: "last_event_seq")
            for key in ["tokens_in", "tokens_out"] { _ = try count(r, key, (0, maxCount), in: list) }
            _ = try time(r, "created_at", in: list)
            try Validate.identifier(try string(r, "author", in: list), what: "turn author")
            try Validate.text(try string(r, "content", in: list), what: "turn \(seq) content", max: config.maxContentBytes, allowEmpty: true)
            _ = try Validate.object(r["metadata"] ?? [:], what: "turn \(seq) metadata", max: config.maxMetadataBytes)
            if let nonce = r["nonce"], !nonce.isNull {
                guard let text = nonce.stringValue else { throw bad("\(list): nonce must be a string") }
                try Validate.nonce(text)
            }
        case "comments":
            _ = try count(r, "turn_seq", (1, b.lastTurn), in: list, of: "last_turn_seq")
            try Validate.identifier(try string(r, "author", in: list), what: "comment author")
            try Validate.text(try string(r, "body", in: list), what: "comment", max: config.maxCommentBytes)
            _ = try time(r, "created_at", in: list)
        case "rows", "row_history":
            try Validate.text(try string(r, "key", in: list), what: "row key", max: 256)
            _ = try count(r, "version", (1, maxCount), in: list)
            _ = try Validate.json(r["value"] ?? .null, what: "row value", max: config.maxRowValueBytes)
            try Validate.identifier(try string(r, "author", in: list), what: "row author")
            _ = try time(r, "at", in: list)
        case "checkpoints":
            try Validate.text(try string(r, "name", in: list), what: "checkpoint name", max: config.maxTitleBytes)
            _ = try count(r, "turn_seq", (0, b.lastTurn), in: list, of: "last_turn_seq")
            if !(r["event_seq"] ?? .null).isNull { _ = try count(r, "event_seq", (0, b.lastEvent), in: list, of: "last_event_seq") }
            guard let rows = (r["rows"] ?? [:]).objectValue else { throw bad("\(list): rows must be an object") }
            for (_, version) in rows {
                guard let v = version.intValue, v >= 0, v <= maxCount else { throw bad("\(list): rows must map keys to versions") }
            }
            _ = try time(r, "created_at", in: list)
        case "contributions":
            try Validate.identifier(try string(r, "user", in: list), what: "contributor")
            for key in ["turns", "tokens_in", "tokens_out", "comments", "row_writes", "merges", "conflicts", "undos"] {
                _ = try count(r, key, (0, maxCount), in: list)
            }
        case "events":
            _ = try count(r, "seq", (1, b.lastEvent), in: list, of: "last_event_seq")
            let kind = try string(r, "kind", in: list)
            guard eventKinds.contains(kind) else { throw bad("\(list): unknown kind \(kind)") }
            if !(r["turn_seq"] ?? .null).isNull { _ = try count(r, "turn_seq", (0, b.lastTurn), in: list, of: "last_turn_seq") }
            if kind == "state" {
                _ = try string(r, "row_key", in: list)
                _ = try count(r, "row_version", (1, maxCount), in: list)
            }
            try replayable(r, kind: kind, b)
            _ = try time(r, "created_at", in: list)
        default:
            preconditionFailure("not a list of the export document: \(list)")
        }
    }

    /// What a replay of the event needs (`ChangeEvent`, the server's event frames): an undo or comment
    /// names its turn, a comment its id and text, a membership change its user and role (null: removed).
    /// Without them the event was skipped in replay, a gap in the log a client joined with `since` waited
    /// on; a role the server does not know replayed as a removal.
    static func replayable(_ r: JSONValue, kind: String, _ b: Bounds) throws(StoreError) {
        let data = r["data"] ?? .null
        switch kind {
        case "undo", "comment":
            _ = try count(r, "turn_seq", (1, b.lastTurn), in: "events", of: "last_turn_seq")
            guard kind == "comment" else { return }
            guard data["id"]?.intValue != nil, let body = data["body"]?.stringValue else {
                throw bad("events: a comment event's data must hold its id and body")
            }
            try Validate.text(body, what: "comment", max: b.configuration.maxCommentBytes)
        case "member":
            guard let user = data["user"]?.stringValue else { throw bad("events: a member event's data must name its user") }
            try Validate.identifier(user, what: "member")
            let role = data["role"] ?? .null
            guard role.isNull || role.stringValue.flatMap(Role.init(rawValue:)) != nil else {
                throw bad("events: a member event's role must be a role or null (removed)")
            }
        default:
            return
        }
    }

    /// Checks the lists of the hidden session `sid` against each other, once all are in.
    static func consistency(_ db: Database, sid: Int64, _ b: Bounds) throws(StoreError) {
        let id = SQLValue.integer(sid)
        // Turns 1...last_turn_seq, each once (seqs are unique), their event seqs growing with them.
        let turns = try db.scalar("SELECT count(*) FROM turns WHERE sid = ?", [id]) ?? 0
        guard turns == b.lastTurn else {
            throw bad("the session's last_turn_seq is \(b.lastTurn) but there are \(turns) turns: turns are numbered 1 to last_turn_seq, each once")
        }
        let unordered = try db.scalar("""
            SELECT count(*) FROM (SELECT event_seq, lag(event_seq) OVER (ORDER BY seq) AS previous FROM turns WHERE sid = ?)
            WHERE previous >= event_seq
            """, [id]) ?? 0
        guard unordered == 0 else { throw bad("turns: event_seq must grow with seq") }
        // The change log: the turns' event seqs and the events' seqs, together 1...last_event_seq, each once.
        let events = try db.scalar("SELECT count(*) FROM events WHERE sid = ?", [id]) ?? 0
        let shared = try db.scalar("SELECT count(*) FROM events e JOIN turns t ON t.sid = e.sid AND t.event_seq = e.seq WHERE e.sid = ?", [id]) ?? 0
        guard shared == 0, turns + events == b.lastEvent else {
            throw bad("the session's last_event_seq is \(b.lastEvent) but turns and events number \(turns + events - shared) changes: together they are numbered 1 to last_event_seq, each once")
        }
        let dangling = try db.scalar("""
            SELECT count(*) FROM events e WHERE e.sid = ? AND e.kind = 'state' AND NOT EXISTS
              (SELECT 1 FROM state_history h WHERE h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version)
            """, [id]) ?? 0
        guard dangling == 0 else { throw bad("events: \(dangling) state event(s) name a row version that row_history lacks") }
        // Two rows whose keys differ only in Unicode normalization: checkpoints and branches map rows
        // by key in JSON objects, where they would collide (`state.put` refuses the second spelling).
        var spellings: [String: String] = [:]
        try db.forEach("SELECT key FROM state_rows WHERE sid = ? AND key GLOB '*[^ -~]*'", [id]) { row throws(StoreError) in
            let key = row.text(0)
            // A Swift dictionary keys by canonical equivalence: a second spelling finds the first.
            if let other = spellings[key] { throw bad("rows: keys \(other.debugDescription) and \(key.debugDescription) differ only in Unicode normalization") }
            spellings[key] = key
        }
        // A current row missing from its history (a document written by hand): its history starts with it,
        // so that a write based on its version can be merged.
        try db.run("""
            INSERT OR IGNORE INTO state_history(sid, key, version, value, author, created_at, merged)
            SELECT sid, key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ?
            """, [id])
    }

    /// A record that breaks the rule of a list refused as a duplicate by the schema (two turns with one seq ...).
    static func duplicate(_ error: StoreError, in list: String) -> StoreError {
        guard error.kind == .sqlite, let code = error.sqliteCode, code & 0xff == 19 else { return error }
        return bad("\(list): two records for the same \(list == "turns" ? "seq or nonce" : list == "events" ? "seq" : "key")")
    }

    static func bad(_ what: String) -> StoreError { StoreError.invalid("export document: \(what)") }

    private static func string(_ v: JSONValue, _ key: String, in list: String) throws(StoreError) -> String {
        guard let s = v[key]?.stringValue else { throw bad("\(list): bad or missing \(key)") }
        return s
    }

    /// The integer `key`, from `range.lower` to `range.upper` (an empty range when upper is lower:
    /// a turn seq in a session with no turns).
    private static func count(_ v: JSONValue, _ key: String, _ range: (lower: Int64, upper: Int64), in list: String,
                              of limit: String? = nil) throws(StoreError) -> Int64 {
        guard let n = v[key]?.intValue else { throw bad("\(list): bad or missing \(key)") }
        guard n >= range.lower, n <= range.upper else {
            throw bad("\(list): \(key) \(n) is outside \(range.lower)...\(range.upper)\(limit.map { " (the session's \($0))" } ?? "")")
        }
        return n
    }

    private static func time(_ v: JSONValue, _ key: String, in list: String) throws(StoreError) -> Int64 {
        try count(v, key, (0, maxTime), in: list)
    }
}
