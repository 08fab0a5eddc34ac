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
    /// When the three sides are texts merged line by line: the regions that conflicted, in text
    /// order (`lines`; absent for any other conflict, and from servers before it).
    public var lines: [ConflictingLinesDTO]?
    /// True when `lines` was cut short (`lines_more`; the server reports a bounded number per merge).
    public var linesMore: Bool

    public init(path: String, base: JSONValue?, current: JSONValue?, proposed: JSONValue?,
                lines: [ConflictingLinesDTO]? = nil, linesMore: Bool = false) {
        self.path = path
        self.base = base
        self.current = current
        self.proposed = proposed
        self.lines = lines
        self.linesMore = linesMore
    }

    public init(reader r: inout WireReader) throws {
        path = try r.string("path", maxBytes: .max, allowEmpty: true)
        base = r.optionalAnyValue("base")
        current = r.optionalAnyValue("current")
        proposed = r.optionalAnyValue("proposed")
        lines = try r.optionalArray("lines")
        linesMore = try r.optionalBool("lines_more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["path"] = .string(path)
        o["base"] = base
        o["current"] = current
        o["proposed"] = proposed
        o["lines"] = lines?.json
        if linesMore { o["lines_more"] = true }
    }
}

/// One region of a text conflict: the lines it covers in base, current and proposed, each on the
/// wire as `[first, count]` (zero-based, lines cut after every `\n`; count 0: the side has no lines
/// there, and `first` is the line they would come before).
public struct ConflictingLinesDTO: WireObject {
    public var base: Range<Int>
    public var current: Range<Int>
    public var proposed: Range<Int>

    public init(base: Range<Int>, current: Range<Int>, proposed: Range<Int>) {
        self.base = base
        self.current = current
        self.proposed = proposed
    }

    public init(reader r: inout WireReader) throws {
        base = try Self.range(&r, "base")
        current = try Self.range(&r, "current")
        proposed = try Self.range(&r, "proposed")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["base"] = Self.json(base)
        o["current"] = Self.json(current)
        o["proposed"] = Self.json(proposed)
    }

    static func json(_ range: Range<Int>) -> JSONValue {
        .array([.integer(Int64(range.lowerBound)), .integer(Int64(range.count))])
    }

    /// `[first, count]`, both non-negative integers whose sum fits an `Int`.
    static func range(_ r: inout WireReader, _ key: String) throws -> Range<Int> {
        guard let v = r.value(key) else { throw r.missing(key) }
        guard case .array(let pair) = v, pair.count == 2,
              case .integer(let first) = pair[0], case .integer(let count) = pair[1],
              first >= 0, count >= 0, first <= Int64(Int.max) - count else {
            throw r.failure(key, "must be [first line, line count], two non-negative integers")
        }
        return Int(first)..<Int(first + count)
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
