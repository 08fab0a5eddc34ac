import TandemJSON

/// A named point of a session: a turn seq and how many rows it holds (the version of each is
/// the server's; answers carry the count only, since a session may hold any number of rows and
/// a list of checkpoints each carrying its whole key → version map was unbounded).
public struct Checkpoint: WireObject {
    public var name: String
    /// The last turn included.
    public var seq: Int64
    /// How many rows the checkpoint holds (a version of each).
    public var rowCount: Int64
    public var by: String
    public var created: Timestamp

    public init(name: String, seq: Int64, rowCount: Int64 = 0, by: String, created: Timestamp) {
        self.name = name
        self.seq = seq
        self.rowCount = rowCount
        self.by = by
        self.created = created
    }

    public init(reader r: inout WireReader) throws {
        name = try r.string("name", maxBytes: r.limits.maxNameBytes)
        seq = try r.int("seq")
        rowCount = try r.int("row_count", min: 0)
        by = try r.identifier("by")
        created = try r.int("created")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["name"] = .string(name)
        o["seq"] = .integer(seq)
        o["row_count"] = .integer(rowCount)
        o["by"] = .string(by)
        o["created"] = .integer(created)
    }
}

/// One entry of a checkpoint's key → version map (`checkpoint.get`): the version the row had
/// when the checkpoint was saved.
public struct CheckpointRow: WireObject {
    public var key: String
    public var version: Int64

    public init(key: String, version: Int64) {
        self.key = key
        self.version = version
    }

    public init(reader r: inout WireReader) throws {
        key = try r.string("key", maxBytes: r.limits.maxStateKeyBytes)
        // 0 is possible: an imported document may map a key to it (`SessionImport` accepts 0 and up).
        version = try r.int("version", min: 0)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["key"] = .string(key)
        o["version"] = .integer(version)
    }
}

/// A saved template: a session's settings, members and rows, reusable with `template.create_session`.
public struct TemplateInfo: WireObject {
    public var name: String
    /// The session it was saved from.
    public var source: String
    public var by: String
    public var created: Timestamp

    public init(name: String, source: String, by: String, created: Timestamp) {
        self.name = name
        self.source = source
        self.by = by
        self.created = created
    }

    public init(reader r: inout WireReader) throws {
        name = try r.string("name", maxBytes: r.limits.maxNameBytes)
        source = try r.identifier("source")
        by = try r.identifier("by")
        created = try r.int("created")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["name"] = .string(name)
        o["source"] = .string(source)
        o["by"] = .string(by)
        o["created"] = .integer(created)
    }
}

/// A share link as listed (the secret itself is only ever returned once, by `share.create`).
public struct ShareLink: WireObject {
    public var id: String
    public var session: String
    public var permission: SharePermission
    public var expires: Timestamp
    public var by: String
    public var created: Timestamp
    public var revoked: Bool
    /// Last time a viewer connected with it.
    public var lastUsed: Timestamp?

    public init(
        id: String, session: String, permission: SharePermission = .read, expires: Timestamp, by: String,
        created: Timestamp, revoked: Bool = false, lastUsed: Timestamp? = nil
    ) {
        self.id = id
        self.session = session
        self.permission = permission
        self.expires = expires
        self.by = by
        self.created = created
        self.revoked = revoked
        self.lastUsed = lastUsed
    }

    public init(reader r: inout WireReader) throws {
        id = try r.identifier("id")
        session = try r.identifier("session")
        permission = try r.enumValue("permission")
        expires = try r.int("expires")
        by = try r.identifier("by")
        created = try r.int("created")
        revoked = try r.bool("revoked")
        lastUsed = try r.optionalInt("last_used")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["id"] = .string(id)
        o["session"] = .string(session)
        o["permission"] = permission.json
        o["expires"] = .integer(expires)
        o["by"] = .string(by)
        o["created"] = .integer(created)
        o["revoked"] = .bool(revoked)
        o["last_used"] = lastUsed.map { .integer($0) }
    }
}
