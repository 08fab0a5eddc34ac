import TandemJSON

/// `turn.undone`: the turn `seq` was undone (it stays in history, marked undone).
public struct TurnUndone: WireObject {
    public var seq: Int64
    /// Who undid it.
    public var by: String

    public init(seq: Int64, by: String) {
        self.seq = seq
        self.by = by
    }

    public init(reader r: inout WireReader) throws {
        seq = try r.int("seq", min: 1)
        by = try r.identifier("by")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["seq"] = .integer(seq)
        o["by"] = .string(by)
    }
}

/// `state`: a row got a new version.
public struct StateChange: WireObject {
    public var row: StateRow
    /// True when the write was a clean three-way merge (`row.value` is the merged value).
    public var merged: Bool

    public init(row: StateRow, merged: Bool = false) {
        self.row = row
        self.merged = merged
    }

    public init(reader r: inout WireReader) throws {
        row = try StateRow(reader: &r)
        merged = try r.optionalBool("merged") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        row.write(into: &o)
        o["merged"] = .bool(merged)
    }
}

/// `comment`: the comment travels nested (`"comment": {...}`) so its `id` is never taken for a request id.
struct CommentAdded: WireObject {
    var comment: CommentDTO

    init(comment: CommentDTO) { self.comment = comment }

    init(reader r: inout WireReader) throws { comment = try r.nested("comment") }

    func write(into o: inout [String: JSONValue]) { o["comment"] = comment.json }
}

/// Whether a presence change is an arrival or a departure.
public enum PresenceAction: String, WireEnum {
    case joined, left
}

/// `presence`: a member's first connection joined, or its last one left. Ephemeral (no eseq).
///
/// It names only the member who changed, never the whole list: every member receives every
/// presence event, so a list in it made a crowd of N joining cost O(N) bytes per event, O(N²)
/// per join and O(N³) for the crowd. A client keeps the list itself: the join answer's `online`,
/// then each event added or removed in order.
public struct PresenceChange: WireObject {
    public var user: String
    public var action: PresenceAction
    /// How many members are online after the change (a check on the list a client keeps, and
    /// enough for a client that only shows a number).
    public var onlineCount: Int64

    public init(user: String, action: PresenceAction, onlineCount: Int64) {
        self.user = user
        self.action = action
        self.onlineCount = onlineCount
    }

    public init(reader r: inout WireReader) throws {
        user = try r.identifier("user")
        action = try r.enumValue("action")
        onlineCount = try r.int("online_count")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["user"] = .string(user)
        o["action"] = action.json
        o["online_count"] = .integer(onlineCount)
    }
}

/// `member`: a member was added, changed role, or was removed (`role` nil, `removed: true` on the wire).
public struct MemberChange: WireObject {
    public var user: String
    public var role: Role?
    /// Who made the change.
    public var by: String

    public init(user: String, role: Role?, by: String) {
        self.user = user
        self.role = role
        self.by = by
    }

    public var removed: Bool { role == nil }

    public init(reader r: inout WireReader) throws {
        user = try r.identifier("user")
        role = try r.optionalEnum("role")
        by = try r.identifier("by")
        let removed = try r.optionalBool("removed") ?? false
        if removed == (role != nil) { throw r.failure("role", "must be given exactly when 'removed' is not true") }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["user"] = .string(user)
        if let role { o["role"] = role.json } else { o["removed"] = true }
        o["by"] = .string(by)
    }
}

/// What a `session` event reports.
public enum SessionChangeKind: String, WireEnum {
    /// Paused, resumed or archived: see `info.status`.
    case status
    /// Title or metadata changed.
    case updated
    /// All turns were cleared: drop the local view of the turns.
    case cleared
    /// Rewound to `checkpoint`: reload history and state.
    case restored
    /// A branch was merged into this session (its turns and rows arrive as their own events).
    case merged
    /// The session was deleted; the server unsubscribes every connection after this event.
    case deleted
    /// This branch's parent was deleted, discarded or purged: the branch has no parent any more
    /// (`info` has none) and can no longer be merged.
    case unparented
}

/// `session`: the session itself changed.
public struct SessionChange: WireObject {
    public var change: SessionChangeKind
    /// The session after the change.
    public var info: SessionInfo
    public var by: String
    /// With `restored`: the checkpoint's name. With `merged`: the branch's session id. With
    /// `unparented`: the former parent's session id. Never sent to a share-link viewer.
    public var detail: String?

    public init(change: SessionChangeKind, info: SessionInfo, by: String, detail: String? = nil) {
        self.change = change
        self.info = info
        self.by = by
        self.detail = detail
    }

    public init(reader r: inout WireReader) throws {
        change = try r.enumValue("change")
        info = try r.nested("info")
        by = try r.identifier("by")
        detail = try r.optionalString("detail", maxBytes: .max)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["change"] = change.json
        o["info"] = info.json
        o["by"] = .string(by)
        o["detail"] = detail.map { .string($0) }
    }
}

/// `share.expired`: sent to a share-link viewer when its link expires, just before close 4410. Ephemeral.
public struct ShareExpired: WireObject {
    /// The link's id.
    public var share: String
    public var expired: Timestamp

    public init(share: String, expired: Timestamp) {
        self.share = share
        self.expired = expired
    }

    public init(reader r: inout WireReader) throws {
        share = try r.identifier("share")
        expired = try r.int("expired")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["share"] = .string(share)
        o["expired"] = .integer(expired)
    }
}
