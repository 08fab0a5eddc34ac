import TandemJSON

/// A user with a display name. Ids are chosen by the caller (e.g. a login name) or generated.
public struct User: Sendable, Equatable {
    public var id: String
    public var displayName: String
    public var createdAt: Int64
    /// When `users disable` suspended them (nil: enabled). Their tokens then authenticate nothing.
    public var disabledAt: Int64? = nil
}

/// An API token's stored record; the secret itself is never stored (only its SHA-256).
public struct APIToken: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var label: String
    public var createdAt: Int64
    public var revokedAt: Int64?
    public var lastUsedAt: Int64?
    /// When it stops authenticating by itself (nil: never).
    public var expiresAt: Int64? = nil

    /// "active", "revoked" or "expired" at `now` (Unix ms).
    public func state(now: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }
}

/// A token just created: `secret` is shown once and cannot be recovered later.
public struct IssuedToken: Sendable, Equatable {
    public var token: APIToken
    public var secret: String
}

public enum SessionStatus: String, Sendable, CaseIterable {
    case active, paused, archived
}

public struct Session: Sendable, Equatable {
    public var id: String
    public var title: String
    public var owner: String
    public var metadata: JSONValue
    public var status: SessionStatus
    public var createdAt: Int64
    public var updatedAt: Int64
    public var pausedAt: Int64?
    public var archivedAt: Int64?
    /// The highest turn sequence number used so far (0 when there are none).
    public var lastTurnSeq: Int64
    /// The highest change-log sequence number (see `Store.changes`).
    public var lastEventSeq: Int64
    /// For a branch: the session it was forked from, the fork point, and open/merged.
    public var parentID: String?
    public var forkSeq: Int64?
    public var branchStatus: String?
}

public struct Member: Sendable, Equatable {
    public var userID: String
    public var role: Role
    public var addedAt: Int64
}

public enum TurnRole: String, Sendable, CaseIterable {
    case user, assistant, tool, system

    /// The raw value as a literal: bound to a statement without a copy (`Statement.bind(_:at:)`).
    var literal: StaticString {
        switch self {
        case .user: "user"
        case .assistant: "assistant"
        case .tool: "tool"
        case .system: "system"
        }
    }
}

/// Turns are never erased: undo, clear and checkpoint restore change their state.
public enum TurnState: Int64, Sendable {
    case live = 0, undone = 1, cleared = 2, rewound = 3
    public var name: String {
        switch self {
        case .live: "live"
        case .undone: "undone"
        case .cleared: "cleared"
        case .rewound: "rewound"
        }
    }
}

/// What a caller supplies to append a turn; the author is the acting user.
public struct NewTurn: Sendable, Equatable {
    public var role: TurnRole
    public var content: String
    public var metadata: JSONValue
    public var tokensIn: Int64
    public var tokensOut: Int64
    /// A client-chosen idempotency key: a second append by the same author with the same nonce
    /// is not written again (see `AppendResult.duplicate`).
    public var nonce: String?

    public init(role: TurnRole, content: String, metadata: JSONValue = [:], tokensIn: Int64 = 0, tokensOut: Int64 = 0,
                nonce: String? = nil) {
        self.nonce = nonce
        self.role = role
        self.content = content
        self.metadata = metadata
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
    }
}

public struct Turn: Sendable, Equatable {
    public var sessionID: String
    public var seq: Int64
    public var role: TurnRole
    public var author: String
    public var content: String
    public var metadata: JSONValue
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var createdAt: Int64
    public var state: TurnState
    /// The change-log sequence number of this turn's append.
    public var eventSeq: Int64
    /// The idempotency key the author posted it with, if any.
    public var nonce: String? = nil
}

public struct Comment: Sendable, Equatable {
    public var id: Int64
    public var sessionID: String
    public var turnSeq: Int64
    public var author: String
    public var body: String
    public var createdAt: Int64
    /// The change-log number of this comment, in the answer to `addComment` (nil in listings).
    public var eventSeq: Int64?
}

/// One shared-state row (or one version of it, in history).
public struct StateRow: Sendable, Equatable {
    public var key: String
    public var version: Int64
    public var value: JSONValue
    public var author: String
    public var updatedAt: Int64
    /// Whether this version came from a three-way merge.
    public var merged: Bool
}

/// The answer to a row write: everything the server needs to broadcast or to tell the writer.
public enum RowWriteResult: Sendable, Equatable {
    /// Written as-is on top of the named base (version + 1).
    case applied(row: StateRow, eventSeq: Int64)
    /// The base was older; a clean three-way merge was written as a new version.
    case merged(row: StateRow, eventSeq: Int64)
    /// Nothing was written; `currentVersion` is what to base a resolution on, and `current` the row
    /// the conflicts were found against (read in the same transaction: a row read afterwards may be a
    /// later version, which the conflicts do not describe). `merged` is everything that did merge,
    /// current's side kept at each conflict (`ThreeWayMerge.mergeKeepingCurrent`): a resolution sets
    /// the conflicting paths in it and writes it on `currentVersion`.
    case conflict(key: String, currentVersion: Int64, conflicts: [MergeConflict], current: StateRow?, merged: JSONValue)

    public var row: StateRow? {
        switch self {
        case .applied(let row, _), .merged(let row, _): row
        case .conflict: nil
        }
    }
}

public struct ContributionCounts: Sendable, Equatable {
    public var turns: Int64 = 0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0
    public var comments: Int64 = 0
    public var rowWrites: Int64 = 0
    public var merges: Int64 = 0
    public var conflicts: Int64 = 0
    public var undos: Int64 = 0

    public init(turns: Int64 = 0, tokensIn: Int64 = 0, tokensOut: Int64 = 0, comments: Int64 = 0,
                rowWrites: Int64 = 0, merges: Int64 = 0, conflicts: Int64 = 0, undos: Int64 = 0) {
        self.turns = turns
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.comments = comments
        self.rowWrites = rowWrites
        self.merges = merges
        self.conflicts = conflicts
        self.undos = undos
    }

    /// Adds `o`, each count held within ±`CountBound.most`: a total stops at 2^48 (what an
    /// export document may carry) instead of overflowing, which trapped the writer.
    mutating func add(_ o: ContributionCounts) {
        func sum(_ a: inout Int64, _ b: Int64) { a = CountBound.held(CountBound.held(a) + CountBound.held(b)) }
        sum(&turns, o.turns); sum(&tokensIn, o.tokensIn); sum(&tokensOut, o.tokensOut); sum(&comments, o.comments)
        sum(&rowWrites, o.rowWrites); sum(&merges, o.merges); sum(&conflicts, o.conflicts); sum(&undos, o.undos)
    }
}

public struct Contribution: Sendable, Equatable {
    public var sessionID: String
    public var userID: String
    public var counts: ContributionCounts
}

public struct Checkpoint: Sendable, Equatable {
    public var name: String
    public var turnSeq: Int64
    /// How many rows it holds (a version of each). The key → version map itself is read in pages
    /// (`Store.checkpointEntries`): it grows with the session's rows.
    public var rowCount: Int64
    public var createdBy: String
    public var createdAt: Int64
    /// The session's change-log position when it was saved.
    public var eventSeq: Int64 = 0
}

/// A checkpoint as listed: without its key → version map, which grows with the session's rows.
public struct CheckpointSummary: Sendable, Equatable {
    public var name: String
    public var turnSeq: Int64
    public var rowCount: Int64
    public var createdBy: String
    public var createdAt: Int64
}

public struct ShareLink: Sendable, Equatable {
    public var id: String
    public var sessionID: String
    public var permission: String
    public var expiresAt: Int64?
    public var createdBy: String
    public var createdAt: Int64
    public var revokedAt: Int64?
    public var lastUsedAt: Int64?
}

/// A share link just created: `secret` is shown once.
public struct IssuedShareLink: Sendable, Equatable {
    public var link: ShareLink
    public var secret: String
}

public struct Template: Sendable, Equatable {
    public var id: String
    public var name: String
    public var body: JSONValue
    public var createdBy: String
    public var createdAt: Int64
}

/// A template as listed: without its body (rows and members), which grows with its source.
public struct TemplateSummary: Sendable, Equatable {
    public var name: String
    /// The session it was saved from.
    public var source: String
    public var createdBy: String
    public var createdAt: Int64
}

public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Int64
    public var actor: String?
    public var action: String
    public var sessionID: String?
    public var target: String?
    public var detail: JSONValue
}

public struct SearchHit: Sendable, Equatable {
    public var sessionID: String
    /// nil when the session title matched.
    public var turnSeq: Int64?
    public var snippet: String
}

/// Filters for `Store.listSessions`. All set filters must hold.
public struct SessionFilter: Sendable {
    public var member: String?
    /// Also a member: with `member`, the sessions the two users share.
    public var sharedWith: String?
    /// Just this session (what a share link opens), if it matches the rest.
    public var sessionID: String?
    /// Only branches of this session (by id).
    public var parent: String?
    public var status: SessionStatus?
    /// Every pair must equal the same top-level pair of the session's metadata.
    public var metadata: [String: JSONValue]
    public var updatedSince: Int64?
    public var limit: Int = 50
    /// The `nextCursor` of the previous page.
    public var after: String?

    public init(member: String? = nil, sharedWith: String? = nil, parent: String? = nil, status: SessionStatus? = nil,
                metadata: [String: JSONValue] = [:], updatedSince: Int64? = nil, limit: Int = 50, after: String? = nil) {
        self.member = member
        self.sharedWith = sharedWith
        self.parent = parent
        self.status = status
        self.metadata = metadata
        self.updatedSince = updatedSince
        self.limit = limit
        self.after = after
    }
}

/// Where a session's change log stands, and which session of its id it is (`created`).
public struct SessionHead: Sendable, Equatable {
    public var eventSeq: Int64
    public var created: Int64

    public init(eventSeq: Int64, created: Int64) {
        self.eventSeq = eventSeq
        self.created = created
    }
}

public struct SessionPage: Sendable, Equatable {
    public var sessions: [Session]
    /// Pass as `after` for the next page; nil on the last page.
    public var nextCursor: String?
}
