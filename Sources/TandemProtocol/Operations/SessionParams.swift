import TandemJSON

/// Parameters of operations that only name a session.
public struct SessionRef: WireObject {
    public var session: String

    public init(session: String) { self.session = session }

    public init(reader r: inout WireReader) throws { session = try r.identifier("session") }

    public func write(into o: inout [String: JSONValue]) { o["session"] = .string(session) }
}

/// `session.create`.
public struct SessionCreateParams: WireObject {
    /// A client-chosen session id (1-64 of `A-Z a-z 0-9 _ -`); the server generates one when nil.
    public var session: String?
    public var title: String
    public var metadata: JSONValue

    public init(session: String? = nil, title: String = "", metadata: JSONValue = [:]) {
        self.session = session
        self.title = title
        self.metadata = metadata
    }

    public init(reader r: inout WireReader) throws {
        session = try r.optionalNewSessionID("session")
        title = try r.optionalString("title", maxBytes: r.limits.maxNameBytes, allowEmpty: true) ?? ""
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes) ?? [:]
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = session.map { .string($0) }
        o["title"] = .string(title)
        o["metadata"] = metadata
    }
}

/// Paging shared by list operations: an opaque `cursor` from the previous page's `next_cursor`.
public struct Page: Sendable, Equatable {
    public var cursor: String?
    /// 1...`maxPageSize`; the server uses `defaultPageSize` when nil.
    public var limit: Int64?

    public init(cursor: String? = nil, limit: Int64? = nil) {
        self.cursor = cursor
        self.limit = limit
    }

    init(reader r: inout WireReader) throws {
        cursor = try r.optionalIdentifier("cursor")
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
    }

    func write(into o: inout [String: JSONValue]) {
        o["cursor"] = cursor.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `session.list`: sessions visible to the caller, most recently updated first. Filters combine with AND.
public struct SessionListParams: WireObject {
    public var status: SessionStatus?
    /// Only sessions this user is a member of.
    public var member: String?
    /// Only branches of this session.
    public var parent: String?
    /// Only sessions whose metadata has every one of these top-level key/value pairs.
    public var metadata: JSONValue?
    /// Only sessions updated at or after this time.
    public var updatedSince: Timestamp?
    public var page: Page

    public init(
        status: SessionStatus? = nil, member: String? = nil, parent: String? = nil, metadata: JSONValue? = nil,
        updatedSince: Timestamp? = nil, page: Page = Page()
    ) {
        self.status = status
        self.member = member
        self.parent = parent
        self.metadata = metadata
        self.updatedSince = updatedSince
        self.page = page
    }

    public init(reader r: inout WireReader) throws {
        status = try r.optionalEnum("status")
        member = try r.optionalIdentifier("member")
        parent = try r.optionalIdentifier("parent")
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes)
        updatedSince = try r.optionalInt("updated_since")
        page = try Page(reader: &r)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["status"] = status?.json
        o["member"] = member.map { .string($0) }
        o["parent"] = parent.map { .string($0) }
        o["metadata"] = metadata
        o["updated_since"] = updatedSince.map { .integer($0) }
        page.write(into: &o)
    }
}

/// `session.search`: full-text search over titles and turn content of the sessions visible to the caller.
public struct SessionSearchParams: WireObject {
    /// FTS5 query syntax: words, "phrases", prefix*, AND/OR/NOT.
    public var query: String
    public var status: SessionStatus?
    public var page: Page

    public init(query: String, status: SessionStatus? = nil, page: Page = Page()) {
        self.query = query
        self.status = status
        self.page = page
    }

    public init(reader r: inout WireReader) throws {
        query = try r.string("query", maxBytes: r.limits.maxQueryBytes)
        status = try r.optionalEnum("status")
        page = try Page(reader: &r)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["query"] = .string(query)
        o["status"] = status?.json
        page.write(into: &o)
    }
}

/// `session.update`: at least one of `title`, `metadata` (which replaces the whole object).
public struct SessionUpdateParams: WireObject {
    public var session: String
    public var title: String?
    public var metadata: JSONValue?

    public init(session: String, title: String? = nil, metadata: JSONValue? = nil) {
        self.session = session
        self.title = title
        self.metadata = metadata
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        title = try r.optionalString("title", maxBytes: r.limits.maxNameBytes, allowEmpty: true)
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes)
        if title == nil && metadata == nil { throw r.failure("title", "or 'metadata' is required (nothing to update)") }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["title"] = title.map { .string($0) }
        o["metadata"] = metadata
    }
}

/// `session.join`: subscribe this connection to the session's live events.
public struct JoinParams: WireObject {
    public var session: String
    /// Resume: replay every durable event with `eseq > since` before live ones.
    public var since: Int64?
    /// Fresh start: include the last N turns (as of the head the join answers with) in the result.
    public var last: Int64?
    /// Include every state row (as of that head) in the result.
    public var includeState: Bool
    /// With `since`: the `created` of the session the client knew. If the id now names another
    /// session (deleted and created again), the answer is `resync_required`, not the new one's events.
    public var created: Timestamp?

    public init(session: String, since: Int64? = nil, last: Int64? = nil, includeState: Bool = false, created: Timestamp? = nil) {
        self.session = session
        self.since = since
        self.last = last
        self.includeState = includeState
        self.created = created
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        since = try r.optionalInt("since")
        last = try r.optionalInt("last", max: Int64(r.limits.maxPageSize))
        includeState = try r.optionalBool("state") ?? false
        created = try r.optionalInt("created", min: 0)
        if since != nil && last != nil { throw r.failure("last", "cannot be combined with 'since'") }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["since"] = since.map { .integer($0) }
        o["last"] = last.map { .integer($0) }
        if includeState { o["state"] = true }
        o["created"] = created.map { .integer($0) }
    }
}
