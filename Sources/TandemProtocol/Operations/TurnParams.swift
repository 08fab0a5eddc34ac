import TandemJSON

/// `turn.post`: append a turn. Acknowledged only once durable.
public struct PostTurnParams: WireObject {
    public var session: String
    /// Defaults to `user`.
    public var role: TurnRole
    /// May be empty (a tool turn with metadata only); at most `maxTurnContentBytes`.
    public var content: String
    public var metadata: JSONValue
    public var tokens: TokenCounts
    /// Idempotency key, 1-64 of `A-Z a-z 0-9 . _ : -`, unique per (session, author). Reposting with the
    /// same nonce returns the first post's turn with `duplicate: true` and broadcasts nothing.
    public var nonce: String?

    public init(
        session: String, role: TurnRole = .user, content: String, metadata: JSONValue = [:],
        tokens: TokenCounts = .zero, nonce: String? = nil
    ) {
        self.session = session
        self.role = role
        self.content = content
        self.metadata = metadata
        self.tokens = tokens
        self.nonce = nonce
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        role = try r.optionalEnum("role") ?? .user
        content = try r.string("content", maxBytes: r.limits.maxTurnContentBytes, allowEmpty: true)
        metadata = try r.optionalObject("metadata", maxBytes: r.limits.maxMetadataBytes) ?? [:]
        tokens = try r.optionalNested("tokens") ?? .zero
        for (key, count) in [("tokens.input", tokens.input), ("tokens.output", tokens.output)] where count > TokenCounts.maximumPerTurn {
            throw r.failure(key, "must be <= \(TokenCounts.maximumPerTurn), got \(count)")
        }
        nonce = try r.optionalString("nonce", maxBytes: 64)
        if let nonce, !nonce.utf8.allSatisfy(Self.isNonceByte) {
            throw r.failure("nonce", "must be 1-64 characters of A-Z a-z 0-9 . _ : -")
        }
    }

    static func isNonceByte(_ c: UInt8) -> Bool {
        WireReader.isURLSafe(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["role"] = role.json
        o["content"] = .string(content)
        o["metadata"] = metadata
        o["tokens"] = tokens.json
        o["nonce"] = nonce.map { .string($0) }
    }
}

/// Which turns `history` returns (always in ascending seq order).
public enum HistorySelector: Sendable, Equatable {
    /// The last N turns (1...`maxPageSize`).
    case last(Int64)
    /// Turns with seq greater than this, oldest first, at most `limit`.
    case since(Int64)
    /// Turns with `from <= seq <= to`, at most `limit`.
    case range(from: Int64, to: Int64)
}

/// `history`.
public struct HistoryParams: WireObject {
    public var session: String
    /// Defaults to `.last(defaultPageSize)` when the request names none (`.last(limit)` with a `limit`).
    public var selector: HistorySelector
    /// Only turns by this user.
    public var author: String?
    /// Cap for `since` and `range` (1...`maxPageSize`); `more: true` in the result says there is more.
    public var limit: Int64?
    /// Include undone turns (marked `undone: true`).
    public var includeUndone: Bool

    public init(
        session: String, selector: HistorySelector, author: String? = nil, limit: Int64? = nil,
        includeUndone: Bool = false
    ) {
        self.session = session
        self.selector = selector
        self.author = author
        self.limit = limit
        self.includeUndone = includeUndone
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        let maxPage = Int64(r.limits.maxPageSize)
        let last = try r.optionalInt("last", min: 1, max: maxPage)
        let since = try r.optionalInt("since")
        let from = try r.optionalInt("from", min: 1)
        let to = try r.optionalInt("to", min: 1)
        author = try r.optionalIdentifier("author")
        limit = try r.optionalInt("limit", min: 1, max: maxPage)
        includeUndone = try r.optionalBool("include_undone") ?? false
        let modes = [last != nil, since != nil, from != nil || to != nil].filter { $0 }.count
        if modes > 1 { throw r.failure("last", "'since' and 'from'/'to' are exclusive: give one of them") }
        if let last {
            if limit != nil { throw r.failure("limit", "cannot be combined with 'last'") }
            selector = .last(last)
        } else if let since {
            selector = .since(since)
        } else if from != nil || to != nil {
            guard let from else { throw r.missing("from") }
            guard let to else { throw r.missing("to") }
            if to < from { throw r.failure("to", "must be >= 'from' (\(from)), got \(to)") }
            selector = .range(from: from, to: to)
        } else if let limit {
            // `limit` alone caps the default selector: the last `limit` turns (not ignored, and
            // re-encoded as `last`, which is what it means).
            selector = .last(limit)
            self.limit = nil
        } else {
            selector = .last(Int64(r.limits.defaultPageSize))
        }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        switch selector {
        case .last(let n): o["last"] = .integer(n)
        case .since(let s): o["since"] = .integer(s)
        case .range(let from, let to):
            o["from"] = .integer(from)
            o["to"] = .integer(to)
        }
        o["author"] = author.map { .string($0) }
        o["limit"] = limit.map { .integer($0) }
        if includeUndone { o["include_undone"] = true }
    }
}

/// `turn.undo`: undo the session's last (not yet undone) turn.
public struct UndoParams: WireObject {
    public var session: String
    /// When given, the undo applies only if this is the last turn (else `conflict`), so a client never
    /// undoes a turn someone else posted a moment ago.
    public var seq: Int64?

    public init(session: String, seq: Int64? = nil) {
        self.session = session
        self.seq = seq
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        seq = try r.optionalInt("seq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["seq"] = seq.map { .integer($0) }
    }
}
