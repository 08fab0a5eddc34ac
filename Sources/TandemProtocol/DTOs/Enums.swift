/// A member's role on a session, strongest first. Each role may do everything the weaker ones may.
public enum Role: String, WireEnum, Comparable {
    case owner, admin, write, comment, read

    /// Rank for comparison: owner is the greatest.
    var rank: Int {
        switch self {
        case .owner: 4
        case .admin: 3
        case .write: 2
        case .comment: 1
        case .read: 0
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Who a turn speaks for.
public enum TurnRole: String, WireEnum {
    case user, assistant, tool, system
}

/// A session's lifecycle status.
public enum SessionStatus: String, WireEnum {
    /// Open for turns, state writes and comments.
    case active
    /// Readable; turns, state writes and comments answer `session_paused` until resumed.
    case paused
    /// Read-only for good (until deleted or purged); writes answer `session_archived`.
    case archived
}

/// What a share link grants. Only read access exists in `tandem.v1`.
public enum SharePermission: String, WireEnum {
    case read
}

/// Milliseconds since the Unix epoch (UTC). Every timestamp on the wire is one.
public typealias Timestamp = Int64
