import TandemJSON

/// `state.get`: one row, or every row when `key` is nil.
public struct StateGetParams: WireObject {
    public var session: String
    /// One row; without it, the rows in key order, a page at a time.
    public var key: String?
    /// Without `key`: rows with keys after this one (the last key of the page before).
    public var after: String?
    /// Without `key`: at most this many rows (1 to `maxPageSize`; all that fit in `maxPageBytes` when absent).
    public var limit: Int64?

    public init(session: String, key: String? = nil, after: String? = nil, limit: Int64? = nil) {
        self.session = session
        self.key = key
        self.after = after
        self.limit = limit
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        key = try r.optionalString("key", maxBytes: r.limits.maxStateKeyBytes)
        after = try r.optionalString("after", maxBytes: r.limits.maxStateKeyBytes, allowEmpty: true)
        limit = try r.optionalInt("limit", min: 1, max: Int64(r.limits.maxPageSize))
        if key != nil {
            // One row has no pages: a client that sends both meant something else.
            if after != nil { throw r.failure("after", "cannot be combined with 'key'") }
            if limit != nil { throw r.failure("limit", "cannot be combined with 'key'") }
        }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["key"] = key.map { .string($0) }
        o["after"] = after.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
    }
}

/// `state.put`: a versioned write of one row.
public struct StatePutParams: WireObject {
    public var session: String
    public var key: String
    /// Any JSON value, including `null`.
    public var value: JSONValue
    /// The version the writer last saw: 0 for "the row does not exist yet". Equal to the current version:
    /// applied; older: three-way merge against that base; newer than current: `invalid_argument`.
    public var base: Int64

    public init(session: String, key: String, value: JSONValue, base: Int64) {
        self.session = session
        self.key = key
        self.value = value
        self.base = base
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        key = try r.string("key", maxBytes: r.limits.maxStateKeyBytes)
        value = try r.anyValue("value", maxBytes: r.limits.maxStateValueBytes)
        base = try r.int("base")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["key"] = .string(key)
        o["value"] = value
        o["base"] = .integer(base)
    }
}
