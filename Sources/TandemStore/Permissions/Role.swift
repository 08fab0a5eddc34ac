/// A member's role in a session, ordered owner > admin > write > comment > read.
public enum Role: String, Sendable, CaseIterable, Comparable, Codable {
    case read, comment, write, admin, owner

    /// Rank, lowest first; `Comparable` follows it (`.owner > .admin`).
    public var rank: Int {
        switch self {
        case .read: 0
        case .comment: 1
        case .write: 2
        case .admin: 3
        case .owner: 4
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Who is asking: a session member with a role, or someone holding a share link (read-only viewer).
public enum Access: Sendable, Equatable {
    case member(Role)
    case shareViewer
}
