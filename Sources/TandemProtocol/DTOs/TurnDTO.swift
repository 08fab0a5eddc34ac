import TandemJSON

/// Token counts attributed to a turn (e.g. by a language model); both default to 0.
public struct TokenCounts: WireObject {
    public var input: Int64
    public var output: Int64

    public init(input: Int64 = 0, output: Int64 = 0) {
        self.input = input
        self.output = output
    }

    public static let zero = TokenCounts()

    /// The most a turn may carry in each count: what an export document's counts are held to, so
    /// every session exports to a document that imports; far below where sums could overflow.
    public static let maximumPerTurn: Int64 = 1 << 48

    public init(reader r: inout WireReader) throws {
        input = try r.optionalInt("input") ?? 0
        output = try r.optionalInt("output") ?? 0
    }

    public func write(into o: inout [String: JSONValue]) {
        o["input"] = .integer(input)
        o["output"] = .integer(output)
    }
}

/// Why a turn left history: the `state` of a turn marked `undone`.
public enum HiddenTurnState: String, WireEnum {
    /// `turn.undo`.
    case undone
    /// `session.clear`.
    case cleared
    /// `checkpoint.restore` to an earlier point.
    case rewound
}

/// One committed turn of a session, as history returns it and the `turn` event carries it.
public struct TurnDTO: WireObject {
    /// Position in the session, from 1, without gaps.
    public var seq: Int64
    /// User id of the member who posted it.
    public var author: String
    public var role: TurnRole
    public var content: String
    /// A JSON object (`{}` when none was given; then absent on the wire).
    public var metadata: JSONValue
    /// Absent on the wire when both are 0.
    public var tokens: TokenCounts
    public var created: Timestamp
    /// The client's idempotency key, when it gave one.
    public var nonce: String?
    /// True once the turn left history (history with `include_undone`); live turns are never undone.
    public var undone: Bool
    /// With `undone`: how it left (an undo, a clear or a restore). Absent for live turns.
    public var state: HiddenTurnState?

    public init(
        seq: Int64, author: String, role: TurnRole, content: String, metadata: JSONValue = [:],
        tokens: TokenCounts = .zero, created: Timestamp, nonce: String? = nil, undone: Bool = false,
        state: HiddenTurnState? = nil
    ) {
        self.seq = seq
        self.author = author
        self.role = role
        self.content = content
        self.metadata = metadata
        self.tokens = tokens
        self.created = created
        self.nonce = nonce
        self.undone = undone || state != nil
        self.state = state ?? (undone ? .undone : nil)
    }

    public init(reader r: inout WireReader) throws {
        seq = try r.int("seq", min: 1)
        author = try r.string("author", maxBytes: r.limits.maxIdentifierBytes)
        role = try r.enumValue("role")
        content = try r.string("content", maxBytes: r.limits.maxTurnContentBytes, allowEmpty: true)
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes) ?? [:]
        tokens = try r.optionalNested("tokens") ?? .zero
        created = try r.int("created")
        nonce = try r.optionalString("nonce", maxBytes: r.limits.maxIdentifierBytes)
        undone = try r.optionalBool("undone") ?? false
        let hidden: HiddenTurnState? = try r.optionalEnum("state")
        state = hidden ?? (undone ? .undone : nil)
    }

    /// Empty `metadata` and zero `tokens` are left out (readers default them): a turn event goes to
    /// every member, and these two were a fifth of a typical event's bytes.
    public func write(into o: inout [String: JSONValue]) {
        o["seq"] = .integer(seq)
        o["author"] = .string(author)
        o["role"] = role.json
        o["content"] = .string(content)
        if metadata != [:] { o["metadata"] = metadata }
        if tokens != .zero { o["tokens"] = tokens.json }
        o["created"] = .integer(created)
        o["nonce"] = nonce.map { .string($0) }
        if undone {
            o["undone"] = true
            o["state"] = (state ?? .undone).json
        }
    }
}
