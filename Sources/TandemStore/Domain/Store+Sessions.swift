import Foundation
import TandemJSON

extension Store {
    /// Creates a session owned by `owner` (who becomes its `owner` member). `id` is random when nil.
    /// `limit_exceeded` when `owner` already owns `maxSessionsPerUser`.
    public func createSession(id: String? = nil, title: String, owner: String,
                              metadata: JSONValue = [:]) throws(StoreError) -> Session {
        let id = id ?? RandomID.make()
        try Validate.identifier(id, what: "session id")
        try Validate.text(title, what: "title", max: configuration.maxTitleBytes, allowEmpty: true)
        let meta = try Validate.object(metadata, what: "metadata", max: configuration.maxMetadataBytes)
        return try write { ctx throws(StoreError) in
            try Quotas.requireSessionRoom(ctx, owner: owner)
            let sid = try Sessions.insert(ctx, id: id, title: title, owner: owner, metadata: meta)
            return try SessionRows.load(ctx.db, sid: sid)
        }
    }

    /// A session as seen by `actor` (any member role).
    public func session(id: String, actor: String) throws(StoreError) -> Session {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.sessionGet, session: id, actor: actor)
            return try SessionRows.load(db, sid: ref.sid)
        }
    }

    /// A session with no permission check (admin CLI, share-link viewers after `resolveShareLink`).
    public func session(id: String) throws(StoreError) -> Session {
        try read { db throws(StoreError) in try SessionRows.load(db, sid: try db.sessionRef(id, actor: nil).sid) }
    }

    /// Changes title and/or metadata (admin+). Recorded in the change log as `session`.
    public func updateSession(id: String, actor: String, title: String? = nil,
                              metadata: JSONValue? = nil) throws(StoreError) -> (session: Session, eventSeq: Int64) {
        if let title { try Validate.text(title, what: "title", max: configuration.maxTitleBytes, allowEmpty: true) }
        let meta = try metadata.map { v throws(StoreError) in try Validate.object(v, what: "metadata", max: configuration.maxMetadataBytes) }
        return try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorizeUnarchived(.sessionUpdate, session: id, actor: actor)
            if let title { try ctx.db.run("UPDATE sessions SET title = ? WHERE sid = ?", [.text(title), .integer(ref.sid)]) }
            if let meta { try ctx.db.run("UPDATE sessions SET metadata = ? WHERE sid = ?", [.text(meta), .integer(ref.sid)]) }
            var data: [String: JSONValue] = [:]
            if let title { data["title"] = .string(title) }
            if let metadata { data["metadata"] = metadata }
            let seq = try ctx.recordEvent(sid: ref.sid, kind: "session", actor: actor, data: .object(data))
            return (try SessionRows.load(ctx.db, sid: ref.sid), seq)
        }
    }

    public func pauseSession(id: String, actor: String) throws(StoreError) -> (session: Session, eventSeq: Int64) {
        try setStatus(id: id, actor: actor, to: .paused, operation: .sessionPause, allowedFrom: [.active])
    }

    public func resumeSession(id: String, actor: String) throws(StoreError) -> (session: Session, eventSeq: Int64) {
        try setStatus(id: id, actor: actor, to: .active, operation: .sessionResume, allowedFrom: [.paused])
    }

    public func archiveSession(id: String, actor: String) throws(StoreError) -> (session: Session, eventSeq: Int64) {
        try setStatus(id: id, actor: actor, to: .archived, operation: .sessionArchive, allowedFrom: [.active, .paused])
    }

    private func setStatus(id: String, actor: String, to status: SessionStatus, operation: Operation,
                           allowedFrom: Set<SessionStatus>) throws(StoreError) -> (session: Session, eventSeq: Int64) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(operation, session: id, actor: actor)
            // Archiving is final: an archived session only accepts deletion.
            if ref.status == .archived && status != .archived {
                throw StoreError(.sessionArchived, "session \(id) is archived; archiving is final")
            }
            guard allowedFrom.contains(ref.status) else {
                if ref.status == status {
                    throw StoreError(.invalidState, "session \(id) is already \(status.rawValue)")
                }
                throw StoreError(.invalidState, "session \(id) is \(ref.status.rawValue); cannot become \(status.rawValue)")
            }
            let paused: SQLValue = status == .paused ? .integer(ctx.now) : .null
            let archived: SQLValue = status == .archived ? .integer(ctx.now) : .null
            try ctx.db.run("UPDATE sessions SET status = ?, paused_at = ?, archived_at = ? WHERE sid = ?",
                           [.text(status.rawValue), paused, archived, .integer(ref.sid)])
            let seq = try ctx.recordEvent(sid: ref.sid, kind: "status", actor: actor,
                                             data: ["status": .string(status.rawValue)])
            if status == .archived {
                try ctx.db.audit(actor: actor, action: .sessionArchive, sessionID: id, now: ctx.now)
            }
            return (try SessionRows.load(ctx.db, sid: ref.sid), seq)
        }
    }

    /// Deletes a session and everything in it (owner only). Audited. The session is gone for
    /// everyone, and its id free, once this returns; its rows are removed in the writer's idle
    /// time (see `SessionReaper`).
    /// Returns the session's last event seq as the delete found it (what a `deleted` announcement
    /// follows: posts committed before the delete come before it).
    @discardableResult
    public func deleteSession(id: String, actor: String) throws(StoreError) -> Int64 {
        try deleteSession(id: id, actor: actor, changesAfter: nil).lastEventSeq
    }

    /// `deleteSession`, also returning the session's changes after `since` (oldest first, at most
    /// `Changes.tailLimit`), read in the delete's own transaction: the log goes with the session,
    /// so what its followers have not been sent yet (another process's write the server has not
    /// read, a post whose event is still on its way) can only be read here.
    public func deleteSession(id: String, actor: String, changesAfter since: Int64?) throws(StoreError) -> ChangeSet {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.sessionDelete, session: id, actor: actor)
            let last = try ctx.db.scalar("SELECT last_event_seq FROM sessions WHERE sid = ?", [.integer(ref.sid)]) ?? 0
            let tail = try Changes.tail(ctx.db, sid: ref.sid, sessionID: id, after: since)
            let unparented = try SessionReaper.hide(ctx, sid: ref.sid, actor: actor)
            try ctx.db.audit(actor: actor, action: .sessionDelete, sessionID: id, now: ctx.now)
            return ChangeSet(events: tail, lastEventSeq: last, unparentedBranches: unparented)
        }
    }

    /// Sessions matching `filter`, most recently updated first, one page at a time.
    public func listSessions(_ filter: SessionFilter) throws(StoreError) -> SessionPage {
        guard (1...1000).contains(filter.limit) else { throw StoreError.invalid("limit must be 1...1000") }
        var clauses: [String] = []
        var args: [SQLValue] = []
        for member in [filter.member, filter.sharedWith].compactMap({ $0 }) {
            clauses.append("EXISTS (SELECT 1 FROM members m WHERE m.sid = s.sid AND m.user_id = ?)")
            args.append(.text(member))
        }
        if let id = filter.sessionID { clauses.append("s.id = ?"); args.append(.text(id)) }
        if let parent = filter.parent {
            clauses.append("s.parent_sid = (SELECT p.sid FROM sessions p WHERE p.id = ?)")
            args.append(.text(parent))
        }
        if let status = filter.status { clauses.append("s.status = ?"); args.append(.text(status.rawValue)) }
        for (key, value) in filter.metadata.sorted(by: { $0.key < $1.key }) {
            // json_extract with a bound, quoted path: keys may hold any character.
            clauses.append("json_extract(s.metadata, ?) IS json_extract(?, '$')")
            var path: [UInt8] = Array("$.".utf8)
            JSONWriter.writeString(key, into: &path)
            args.append(.text(String(decoding: path, as: UTF8.self)))
            args.append(.json(value))
        }
        if let since = filter.updatedSince { clauses.append("s.updated_at >= ?"); args.append(.integer(since)) }
        if let after = filter.after {
            let parts = after.split(separator: ":")
            guard parts.count == 2, let updated = Int64(parts[0]), let sid = Int64(parts[1]) else {
                throw StoreError.invalid("malformed page cursor", field: "cursor")
            }
            clauses.append("(s.updated_at < ? OR (s.updated_at = ? AND s.sid < ?))")
            args += [.integer(updated), .integer(updated), .integer(sid)]
        }
        clauses.append("s.status NOT IN \(SessionReaper.hiddenStatuses)")
        let whereSQL = "WHERE " + clauses.joined(separator: " AND ")
        let sql = "SELECT \(SessionRows.columns) FROM sessions s \(whereSQL) ORDER BY s.updated_at DESC, s.sid DESC LIMIT ?"
        let finalArgs = args + [.int(filter.limit + 1)]
        let rows = try read { db throws(StoreError) in
            try db.query(sql, finalArgs) { row throws(StoreError) in (try SessionRows.map(row), row.int(14)) }
        }
        let page = Array(rows.prefix(filter.limit))
        let next = rows.count > filter.limit ? page.last.map { "\($0.0.updatedAt):\($0.1)" } : nil
        return SessionPage(sessions: page.map(\.0), nextCursor: next)
    }
}

/// Session writes shared by create, branch, template and import.
enum Sessions {
    static func insert(_ ctx: WriteContext, id: String, title: String, owner: String, metadata: String) throws(StoreError) -> Int64 {
        let (db, now) = (ctx.db, ctx.now)
        guard try db.userExists(owner) else { throw StoreError.notFound("user \(owner)") }
        if try db.scalar("SELECT 1 FROM sessions WHERE id = ?", [.text(id)]) != nil {
            throw StoreError(.alreadyExists, "session \(id) already exists")
        }
        let created = try SessionIncarnation.madeNow(ctx, id: id)
        try db.run("""
            INSERT INTO sessions(id, title, owner, metadata, status, created_at, updated_at) VALUES (?,?,?,?,'active',?,?)
            """, [.text(id), .text(title), .text(owner), .text(metadata), .integer(created), .integer(created)])
        let sid = db.lastInsertRowID
        try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                   [.integer(sid), .text(owner), .text(Role.owner.rawValue), .integer(now)])
        return sid
    }

}
