import TandemJSON

/// A result without fields: `{}` (`session.delete`, `session.leave`, `branch.discard`).
public struct EmptyResult: WireObject {
    public init() {}
    public init(reader r: inout WireReader) throws {}
    public func write(into o: inout [String: JSONValue]) {}
}

/// One session: `session.create/get/update/pause/resume/archive/import`, `branch.create`,
/// `template.create_session`.
public struct SessionResult: WireObject {
    public var session: SessionInfo

    public init(session: SessionInfo) { self.session = session }

    public init(reader r: inout WireReader) throws { session = try r.nested("session") }

    public func write(into o: inout [String: JSONValue]) { o["session"] = session.json }
}

/// `session.list`.
public struct SessionListResult: WireObject {
    public var sessions: [SessionInfo]
    /// Pass as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(sessions: [SessionInfo], nextCursor: String? = nil) {
        self.sessions = sessions
        self.nextCursor = nextCursor
    }

    public init(reader r: inout WireReader) throws {
        sessions = try r.array("sessions")
        nextCursor = try r.optionalString("next_cursor", maxBytes: .max)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["sessions"] = sessions.json
        o["next_cursor"] = nextCursor.map { .string($0) }
    }
}

/// `session.search`: title matches newest session first, then turn matches newest first.
public struct SearchResult: WireObject {
    public var hits: [SearchHit]
    /// Pass as `cursor` (with the same query) for the next page; nil on the last page. Opaque: it
    /// marks where this page ended, so hits added meanwhile never shift the next page.
    public var nextCursor: String?

    public init(hits: [SearchHit], nextCursor: String? = nil) {
        self.hits = hits
        self.nextCursor = nextCursor
    }

    public init(reader r: inout WireReader) throws {
        hits = try r.array("hits")
        nextCursor = try r.optionalString("next_cursor", maxBytes: .max)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["hits"] = hits.json
        o["next_cursor"] = nextCursor.map { .string($0) }
    }
}

/// `session.join`. Sent before any event of the join; then come `backlog` replayed events (eseq
/// `since+1 ... head_eseq`, in order), then live events (eseq > `head_eseq`).
public struct JoinResult: WireObject {
    public var session: SessionInfo
    /// The caller's role (`read` for a share-link viewer).
    public var role: Role
    /// User ids with at least one connection joined to the session, this one included, sorted.
    public var online: [String]
    /// Seq of the last turn at the moment of the join.
    public var headSeq: Int64
    /// Eseq of the last durable event at the moment of the join.
    public var headEseq: Int64
    /// How many replayed events follow (0 without `since`).
    public var backlog: Int64
    /// With `last`: the last turns up to `head_seq`, oldest first.
    public var turns: [TurnDTO]?
    /// With `state: true`: the rows as of `head_eseq`, by key, as many as one page holds.
    public var state: [StateRow]?
    /// With `state: true`: rows are left after the last of `state` (read them with `state.get` and
    /// `after`; later changes to them come as events).
    public var stateMore: Bool

    public init(
        session: SessionInfo, role: Role, online: [String], headSeq: Int64, headEseq: Int64, backlog: Int64 = 0,
        turns: [TurnDTO]? = nil, state: [StateRow]? = nil, stateMore: Bool = false
    ) {
        self.stateMore = stateMore
        self.session = session
        self.role = role
        self.online = online
        self.headSeq = headSeq
        self.headEseq = headEseq
        self.backlog = backlog
        self.turns = turns
        self.state = state
    }

    public init(reader r: inout WireReader) throws {
        session = try r.nested("session")
        role = try r.enumValue("role")
        online = try r.stringArray("online", maxBytes: .max)
        headSeq = try r.int("head_seq")
        headEseq = try r.int("head_eseq")
        backlog = try r.int("backlog")
        turns = try r.optionalArray("turns")
        state = try r.optionalArray("state")
        stateMore = try r.optionalBool("state_more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = session.json
        o["role"] = role.json
        o["online"] = .array(online.map { .string($0) })
        o["head_seq"] = .integer(headSeq)
        o["head_eseq"] = .integer(headEseq)
        o["backlog"] = .integer(backlog)
        o["turns"] = turns?.json
        o["state"] = state?.json
        if state != nil { o["state_more"] = .bool(stateMore) }
    }
}
