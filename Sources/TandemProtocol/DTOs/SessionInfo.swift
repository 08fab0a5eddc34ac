import TandemJSON

/// Where a branch was forked from.
public struct BranchOrigin: WireObject {
    /// The session the branch was forked from (where `branch.merge` appends).
    public var session: String
    /// The last turn of the source the branch starts with.
    public var seq: Int64

    public init(session: String, seq: Int64) {
        self.session = session
        self.seq = seq
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        seq = try r.int("seq")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["seq"] = .integer(seq)
    }
}

/// A session's description, as lists, `session.get` and the `session` event give it.
public struct SessionInfo: WireObject {
    public var id: String
    public var title: String
    /// User id of the owner.
    public var owner: String
    public var status: SessionStatus
    /// A JSON object (`{}` when none was set).
    public var metadata: JSONValue
    public var created: Timestamp
    /// Last change of anything in the session (turn, row, member, settings).
    public var updated: Timestamp
    /// Seq of the last turn (0 when there is none).
    public var headSeq: Int64
    /// Eseq of the last durable event (0 when there is none).
    public var headEseq: Int64
    /// Set for a branch.
    public var parent: BranchOrigin?
    /// The caller's role on this session, when the server knows the caller.
    public var role: Role?

    public init(
        id: String, title: String, owner: String, status: SessionStatus = .active, metadata: JSONValue = [:],
        created: Timestamp, updated: Timestamp, headSeq: Int64 = 0, headEseq: Int64 = 0,
        parent: BranchOrigin? = nil, role: Role? = nil
    ) {
        self.id = id
        self.title = title
        self.owner = owner
        self.status = status
        self.metadata = metadata
        self.created = created
        self.updated = updated
        self.headSeq = headSeq
        self.headEseq = headEseq
        self.parent = parent
        self.role = role
    }

    public init(reader r: inout WireReader) throws {
        id = try r.identifier("id")
        title = try r.string("title", maxBytes: r.limits.maxNameBytes, allowEmpty: true)
        owner = try r.identifier("owner")
        status = try r.enumValue("status")
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes) ?? [:]
        created = try r.int("created")
        updated = try r.int("updated")
        headSeq = try r.optionalInt("head_seq") ?? 0
        headEseq = try r.optionalInt("head_eseq") ?? 0
        parent = try r.optionalNested("parent")
        role = try r.optionalEnum("role")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["id"] = .string(id)
        o["title"] = .string(title)
        o["owner"] = .string(owner)
        o["status"] = status.json
        o["metadata"] = metadata
        o["created"] = .integer(created)
        o["updated"] = .integer(updated)
        o["head_seq"] = .integer(headSeq)
        o["head_eseq"] = .integer(headEseq)
        o["parent"] = parent?.json
        o["role"] = role?.json
    }
}

/// One full-text search match.
public struct SearchHit: WireObject {
    public var session: SessionInfo
    /// The matching turn; nil when the title matched.
    public var seq: Int64?
    /// Matching text with the matched terms wrapped in `[` `]`, at most ~200 characters.
    public var snippet: String

    public init(session: SessionInfo, seq: Int64? = nil, snippet: String) {
        self.session = session
        self.seq = seq
        self.snippet = snippet
    }

    public init(reader r: inout WireReader) throws {
        session = try r.nested("session")
        seq = try r.optionalInt("seq", min: 1)
        snippet = try r.string("snippet", maxBytes: .max, allowEmpty: true)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = session.json
        o["seq"] = seq.map { .integer($0) }
        o["snippet"] = .string(snippet)
    }
}
