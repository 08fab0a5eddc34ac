import TandemJSON

/// One versioned shared-state row.
public struct StateRow: WireObject {
    public var key: String
    /// 1 for the first write, +1 per applied or merged write.
    public var version: Int64
    /// Any JSON value (including `null`).
    public var value: JSONValue
    /// User id of the last writer.
    public var author: String
    public var updated: Timestamp

    public init(key: String, version: Int64, value: JSONValue, author: String, updated: Timestamp) {
        self.key = key
        self.version = version
        self.value = value
        self.author = author
        self.updated = updated
    }

    public init(reader r: inout WireReader) throws {
        key = try r.string("key", maxBytes: r.limits.maxStateKeyBytes)
        version = try r.int("version", min: 1)
        value = try r.anyValue("value", maxBytes: r.limits.maxStateValueBytes)
        author = try r.string("author", maxBytes: r.limits.maxIdentifierBytes)
        updated = try r.int("updated")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["key"] = .string(key)
        o["version"] = .integer(version)
        o["value"] = value
        o["author"] = .string(author)
        o["updated"] = .integer(updated)
    }
}

/// One place where a three-way merge could not decide. A side that has no value at `path` (the key was
/// absent or deleted there) is nil, and its field is left out on the wire, so "absent" and `null` differ.
public struct MergeConflictDTO: WireObject {
    /// JSON Pointer (RFC 6901) into the row value; `""` is the whole value.
    public var path: String
    public var base: JSONValue?
    public var current: JSONValue?
    public var proposed: JSONValue?

    public init(path: String, base: JSONValue?, current: JSONValue?, proposed: JSONValue?) {
        self.path = path
        self.base = base
        self.current = current
        self.proposed = proposed
    }

    public init(reader r: inout WireReader) throws {
        path = try r.string("path", maxBytes: .max, allowEmpty: true)
        base = r.optionalAnyValue("base")
        current = r.optionalAnyValue("current")
        proposed = r.optionalAnyValue("proposed")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["path"] = .string(path)
        o["base"] = base
        o["current"] = current
        o["proposed"] = proposed
    }
}

/// The conflicts of one row (in `branch.merge` results, where several rows merge at once).
public struct RowConflictDTO: WireObject {
    public var key: String
    public var conflicts: [MergeConflictDTO]

    public init(key: String, conflicts: [MergeConflictDTO]) {
        self.key = key
        self.conflicts = conflicts
    }

    public init(reader r: inout WireReader) throws {
        key = try r.string("key", maxBytes: r.limits.maxStateKeyBytes)
        conflicts = try r.array("conflicts")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["key"] = .string(key)
        o["conflicts"] = conflicts.json
    }
}
