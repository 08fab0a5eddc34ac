import TandemJSON

/// A member of a session.
public struct Member: WireObject {
    /// User id.
    public var user: String
    /// Display name.
    public var name: String
    public var role: Role
    /// When the user became a member.
    public var added: Timestamp
    /// Whether the user has at least one connection joined to the session right now.
    public var online: Bool

    public init(user: String, name: String, role: Role, added: Timestamp, online: Bool = false) {
        self.user = user
        self.name = name
        self.role = role
        self.added = added
        self.online = online
    }

    public init(reader r: inout WireReader) throws {
        user = try r.identifier("user")
        name = try r.string("name", maxBytes: r.limits.maxNameBytes, allowEmpty: true)
        role = try r.enumValue("role")
        added = try r.int("added")
        online = try r.optionalBool("online") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["user"] = .string(user)
        o["name"] = .string(name)
        o["role"] = role.json
        o["added"] = .integer(added)
        o["online"] = .bool(online)
    }
}

/// A comment attached to a turn. Comments are not turns: they have their own ids and do not move `seq`.
public struct CommentDTO: WireObject {
    /// Unique within the session, increasing.
    public var id: Int64
    /// The turn commented on.
    public var seq: Int64
    public var author: String
    public var text: String
    public var created: Timestamp

    public init(id: Int64, seq: Int64, author: String, text: String, created: Timestamp) {
        self.id = id
        self.seq = seq
        self.author = author
        self.text = text
        self.created = created
    }

    public init(reader r: inout WireReader) throws {
        id = try r.int("id", min: 1)
        seq = try r.int("seq", min: 1)
        author = try r.identifier("author")
        text = try r.string("text", maxBytes: r.limits.maxCommentBytes)
        created = try r.int("created")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["id"] = .integer(id)
        o["seq"] = .integer(seq)
        o["author"] = .string(author)
        o["text"] = .string(text)
        o["created"] = .integer(created)
    }
}

/// What one member did in one session. Exact: every counter moves in the same transaction as the act.
public struct Contribution: WireObject {
    public var session: String
    public var user: String
    public var turns: Int64
    public var tokens: TokenCounts
    public var comments: Int64
    /// State writes applied as sent (not merged).
    public var rowWrites: Int64
    /// State writes applied after a clean three-way merge.
    public var merges: Int64
    /// State writes refused with a conflict.
    public var conflicts: Int64
    public var undos: Int64

    public init(
        session: String, user: String, turns: Int64 = 0, tokens: TokenCounts = .zero, comments: Int64 = 0,
        rowWrites: Int64 = 0, merges: Int64 = 0, conflicts: Int64 = 0, undos: Int64 = 0
    ) {
        self.session = session
        self.user = user
        self.turns = turns
        self.tokens = tokens
        self.comments = comments
        self.rowWrites = rowWrites
        self.merges = merges
        self.conflicts = conflicts
        self.undos = undos
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        user = try r.identifier("user")
        turns = try r.int("turns")
        tokens = try r.nested("tokens")
        comments = try r.int("comments")
        rowWrites = try r.int("row_writes")
        merges = try r.int("merges")
        conflicts = try r.int("conflicts")
        undos = try r.int("undos")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["user"] = .string(user)
        o["turns"] = .integer(turns)
        o["tokens"] = tokens.json
        o["comments"] = .integer(comments)
        o["row_writes"] = .integer(rowWrites)
        o["merges"] = .integer(merges)
        o["conflicts"] = .integer(conflicts)
        o["undos"] = .integer(undos)
    }
}
