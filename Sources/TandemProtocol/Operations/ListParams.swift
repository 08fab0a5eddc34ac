import TandemJSON

/// `checkpoint.list`: a session's checkpoints, oldest first, a page at a time.
public struct CheckpointListParams: WireObject {
    public var session: String
    /// Checkpoints saved after this one (the last name of the page before).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(session: String, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        after = try r.optionalString("after", maxBytes: r.limits.maxNameBytes)
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `checkpoint.get`: one checkpoint's key → version map, in key order, a page at a time.
public struct CheckpointGetParams: WireObject {
    public var session: String
    /// The checkpoint's name.
    public var name: String
    /// Entries with keys after this one (the last key of the page before).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(session: String, name: String, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.name = name
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        name = try r.string("name", maxBytes: r.limits.maxNameBytes)
        after = try r.optionalString("after", maxBytes: r.limits.maxStateKeyBytes, allowEmpty: true)
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["name"] = .string(name)
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `share.list`: a session's links, newest first, a page at a time; only working ones unless
/// `includeRevoked`.
public struct ShareListParams: WireObject {
    public var session: String
    /// Also the links that no longer work (revoked or expired).
    public var includeRevoked: Bool
    /// Links listed after this one (the last id of the page before).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(session: String, includeRevoked: Bool = false, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.includeRevoked = includeRevoked
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        includeRevoked = try r.optionalBool("include_revoked") ?? false
        after = try r.optionalIdentifier("after")
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["include_revoked"] = includeRevoked ? .bool(true) : nil
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `template.list`: the caller's templates by name, a page at a time.
public struct TemplateListParams: WireObject {
    /// Templates named after this one (the last name of the page before).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(after: String? = nil, limit: Int64? = nil) {
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        after = try r.optionalString("after", maxBytes: r.limits.maxNameBytes)
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `member.list`: a session's members by user id, a page at a time.
public struct MemberListParams: WireObject {
    public var session: String
    /// Members with user ids after this one (the last `user` of the page before; it need not be a
    /// member any more).
    public var after: String?
    /// At most this many (1 to `maxPageSize`; that many, 1000, when absent); a page also ends where
    /// it fills `maxPageBytes`.
    public var limit: Int64?

    public init(session: String, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        after = try r.optionalIdentifier("after")
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}
