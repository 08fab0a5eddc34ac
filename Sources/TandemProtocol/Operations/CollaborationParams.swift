import TandemJSON

/// `comment.add`.
public struct CommentAddParams: WireObject {
    public var session: String
    /// The turn commented on.
    public var seq: Int64
    public var text: String

    public init(session: String, seq: Int64, text: String) {
        self.session = session
        self.seq = seq
        self.text = text
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        seq = try r.int("seq", min: 1)
        text = try r.string("text", maxBytes: r.limits.maxCommentBytes)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["seq"] = .integer(seq)
        o["text"] = .string(text)
    }
}

/// `comment.list`: the session's comments in id order, or only those on one turn, a page at a time.
public struct CommentListParams: WireObject {
    public var session: String
    public var seq: Int64?
    /// Comments with ids above this one (the last id of the page before).
    public var after: Int64?
    /// At most this many (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(session: String, seq: Int64? = nil, after: Int64? = nil, limit: Int64? = nil) {
        self.session = session
        self.seq = seq
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        seq = try r.optionalInt("seq", min: 1)
        after = try r.optionalInt("after", min: 0)
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["seq"] = seq.map { .integer($0) }
        o["after"] = after.map { .integer($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `member.add` and `member.set_role`.
public struct MemberRoleParams: WireObject {
    public var session: String
    public var user: String
    public var role: Role

    public init(session: String, user: String, role: Role) {
        self.session = session
        self.user = user
        self.role = role
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        user = try r.identifier("user")
        role = try r.enumValue("role")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["user"] = .string(user)
        o["role"] = role.json
    }
}

/// `member.remove`.
public struct MemberRemoveParams: WireObject {
    public var session: String
    public var user: String

    public init(session: String, user: String) {
        self.session = session
        self.user = user
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        user = try r.identifier("user")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["user"] = .string(user)
    }
}

/// `contributions`: per member of one session, or per session of one user (at least one is required;
/// both narrow to one row), a page at a time.
public struct ContributionsParams: WireObject {
    public var session: String?
    public var user: String?
    /// The key of the last item of the page before: a user id when `session` is given (users are
    /// listed by id), otherwise a session id (a user's sessions are listed in the order they were
    /// created).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; that many, 1000, when absent); a page also ends where
    /// it fills `maxPageBytes`.
    public var limit: Int64?

    public init(session: String? = nil, user: String? = nil, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.user = user
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.optionalIdentifier("session")
        user = try r.optionalIdentifier("user")
        after = try r.optionalIdentifier("after")
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
        if session == nil && user == nil { throw r.failure("session", "or 'user' is required") }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = session.map { .string($0) }
        o["user"] = user.map { .string($0) }
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}
