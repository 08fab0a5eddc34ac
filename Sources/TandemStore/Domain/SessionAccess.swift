import TandemCrypto
import TandemJSON

/// A session resolved from its public id, with the acting user's role in it.
struct SessionRef {
    var sid: Int64
    var id: String
    var status: SessionStatus
    var owner: String
    var role: Role?
}

/// A session's turn and change-log counters and its last update time.
struct SessionCounters {
    var lastTurn: Int64
    var lastEvent: Int64
    var updatedAt: Int64
}

extension SessionRef {
    /// The permission and status rule applied to a resolved session.
    /// Which session statuses an operation accepts.
    enum StatusRule {
        /// Any: reads, and who may see the session (members, share links).
        case any
        /// Active or paused: settings and checkpoints (an archived session's are final).
        case unarchived
        /// Active only: content (turns, rows, comments, undo, clear, restore).
        case active
    }

    static func check(_ ref: SessionRef, _ operation: Operation, actor: String, status rule: StatusRule,
                      in db: Database) throws(StoreError) -> SessionRef {
        guard let role = ref.role else {
            throw try db.nonMemberRefusal(ref, actor: actor)
        }
        guard Permissions.allows(role: role, operation: operation) else {
            throw StoreError.forbidden("role \(role.rawValue) may not \(operation.action) (\(operation.rawValue) needs "
                + "\(Permissions.minimumRole(for: operation).rawValue) or above)")
        }
        if rule == .active && ref.status == .paused {
            throw StoreError(.sessionPaused, "session \(ref.id) is paused; resume it to make changes")
        }
        if rule != .any && ref.status == .archived {
            throw StoreError(.sessionArchived, "session \(ref.id) is archived; it accepts no changes")
        }
        return ref
    }
}

extension Database {
    /// Resolves `id`; `not_found` when there is no such session.
    func sessionRef(_ id: String, actor: String?) throws(StoreError) -> SessionRef {
        try sessionRefAndCounters(id, actor: actor).ref
    }

    /// `sessionRef` and the session's counters, read in the same lookup (the writer's hot path
    /// needs both for a session it has not seen in the batch yet).
    func sessionRefAndCounters(_ id: String, actor: String?) throws(StoreError) -> (ref: SessionRef, counters: SessionCounters) {
        let found = try queryOne("""
            SELECT s.sid, s.status, s.owner, m.role, s.last_turn_seq, s.last_event_seq, s.updated_at FROM sessions s
            LEFT JOIN members m ON m.sid = s.sid AND m.user_id = ? WHERE s.id = ?
            """, [.optional(actor), .text(id)]) { row in
            (SessionRef(sid: row.int(0), id: id, status: SessionStatus(rawValue: row.text(1)) ?? .active,
                        owner: row.text(2), role: row.optionalText(3).flatMap(Role.init(rawValue:))),
             SessionCounters(lastTurn: row.int(4), lastEvent: row.int(5), updatedAt: row.int(6)))
        }
        guard let found else { throw StoreError.notFound("session \(id)") }
        if let holds = sessionHolds, holds.refuses(found.0.sid) {
            // Never reaches the caller: the writer parks the job until the merge ends.
            throw StoreError(.busy, "session \(id) is being merged into; the write waits for the merge")
        }
        return found
    }

    /// Resolves `id` and checks that `actor` may perform `operation` there.
    func authorize(_ operation: Operation, session id: String, actor: String) throws(StoreError) -> SessionRef {
        try SessionRef.check(try sessionRef(id, actor: actor), operation, actor: actor, status: .any, in: self)
    }

    /// Like `authorize`, and the session must not be archived (a paused session's settings and
    /// checkpoints may change; an archived one's are final).
    func authorizeUnarchived(_ operation: Operation, session id: String, actor: String) throws(StoreError) -> SessionRef {
        try SessionRef.check(try sessionRef(id, actor: actor), operation, actor: actor, status: .unarchived, in: self)
    }

    /// Like `authorize`, and the session must be active (paused/archived sessions are read-only).
    func authorizeChange(_ operation: Operation, session id: String, actor: String) throws(StoreError) -> SessionRef {
        try SessionRef.check(try sessionRef(id, actor: actor), operation, actor: actor, status: .active, in: self)
    }

    func insertEvent(sid: Int64, seq: Int64, kind: String, actor: String?, now: Int64, turnSeq: Int64? = nil,
                     rowKey: String? = nil, rowVersion: Int64? = nil, data: JSONValue? = nil) throws(StoreError) {
        try run("""
            INSERT INTO events(sid, seq, kind, actor, turn_seq, row_key, row_version, data, created_at)
            VALUES (?,?,?,?,?,?,?,?,?)
            """, [.integer(sid), .integer(seq), .text(kind), .optional(actor), .optional(turnSeq), .optional(rowKey),
                  .optional(rowVersion), data.map { .json($0) } ?? .null, .integer(now)])
    }

    /// Reserves `turns` turn numbers and `events` event numbers of a session; returns the new
    /// highest of each. (UPDATE then SELECT: RETURNING would build an ephemeral table per call.)
    func bumpCounters(sid: Int64, turns: Int64, events: Int64, now: Int64) throws(StoreError) -> (lastTurn: Int64, lastEvent: Int64) {
        try run("""
            UPDATE sessions SET last_turn_seq = last_turn_seq + ?, last_event_seq = last_event_seq + ?, updated_at = ? WHERE sid = ?
            """, [.integer(turns), .integer(events), .integer(now), .integer(sid)])
        guard let counters = try queryOne("SELECT last_turn_seq, last_event_seq FROM sessions WHERE sid = ?", [.integer(sid)], {
            ($0.int(0), $0.int(1))
        }) else { throw StoreError.notFound("session") }
        return counters
    }

    /// Writes an audit entry; `action` is one of `AuditAction`'s, so every action the log can get
    /// from here is one its readers classify.
    func audit(actor: String?, action: AuditAction, sessionID: String?, target: String? = nil,
               detail: JSONValue = [:], now: Int64) throws(StoreError) {
        try run("INSERT INTO audit_log(at, actor, action, session_id, target, detail) VALUES (?,?,?,?,?,?)",
                [.integer(now), .optional(actor), .text(action.rawValue), .optional(sessionID), .optional(target), .json(detail)])
    }

    func userExists(_ id: String) throws(StoreError) -> Bool {
        try scalar("SELECT 1 FROM users WHERE id = ?", [.text(id)]) != nil
    }
}

/// Input checks shared by the domain; each failure is a typed error and happens before any write.
enum Validate {
    static func identifier(_ id: String, what: String) throws(StoreError) {
        guard !id.isEmpty, id.utf8.count <= 64,
              id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 || $0 == 64 })
        else { throw StoreError.invalid("\(what) must be 1-64 characters of A-Z a-z 0-9 - _ . @") }
    }

    /// 1-64 of A-Z a-z 0-9 . _ : - (the wire's nonce alphabet).
    static func nonce(_ nonce: String) throws(StoreError) {
        guard !nonce.isEmpty, nonce.utf8.count <= 64,
              nonce.utf8.allSatisfy({ ($0 >= 48 && $0 <= 58) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 })
        else { throw StoreError.invalid("nonce must be 1-64 characters of A-Z a-z 0-9 . _ : -") }
    }

    static func text(_ s: String, what: String, max: Int, allowEmpty: Bool = false) throws(StoreError) {
        if !allowEmpty && s.isEmpty { throw StoreError.invalid("\(what) must not be empty") }
        if s.utf8.count > max { throw StoreError(.tooLarge, "\(what) is \(s.utf8.count) bytes; the limit is \(max)") }
    }

    /// Serializes `value`, refusing more than `max` bytes.
    static func json(_ value: JSONValue, what: String, max: Int) throws(StoreError) -> String {
        let text = value.serialized()
        if text.utf8.count > max { throw StoreError(.tooLarge, "\(what) is \(text.utf8.count) bytes; the limit is \(max)") }
        return text
    }

    static func object(_ value: JSONValue, what: String, max: Int) throws(StoreError) -> String {
        guard case .object(let fields) = value else { throw StoreError.invalid("\(what) must be a JSON object") }
        // Most turns carry no metadata: no serializer run and no string to allocate for them.
        if fields.isEmpty && max >= 2 { return "{}" }
        return try json(value, what: what, max: max)
    }

    /// Parses JSON text from outside (wire, files): `invalid_json` when malformed.
    static func parse(_ text: String, what: String, max: Int) throws(StoreError) -> JSONValue {
        if text.utf8.count > max { throw StoreError(.tooLarge, "\(what) is \(text.utf8.count) bytes; the limit is \(max)") }
        do { return try JSONValue(parsing: text) } catch {
            throw StoreError(.invalidJSON, "\(what): \(error)")
        }
    }
}

enum RandomID {
    /// 16 URL-safe characters (96 random bits), never starting with `-` or `_`: ids are typed on
    /// command lines, where a leading dash reads as an option.
    static func make() -> String {
        while true {
            let id = SecureRandom.token(byteCount: 12)
            if let first = id.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "_") { return id }
        }
    }
    /// A secret with a recognisable prefix: 256 random bits.
    static func secret(prefix: String) -> String { prefix + SecureRandom.token(byteCount: 32) }
    static func hash(_ secret: String) -> String { Digest.sha256Hex(secret) }
}
