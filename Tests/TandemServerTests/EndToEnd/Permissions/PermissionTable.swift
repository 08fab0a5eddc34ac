import TandemJSON
import TandemStore

/// The expected permissions, written out here from docs/protocol.md ("Operations": the minimum role
/// of each operation; "Connecting": what a share-link viewer may do) and docs/permissions.md —
/// deliberately NOT computed with the server's or the store's permission functions, so a wrong
/// table there shows up here.
///
/// The two documents agree (`session.export`: admin; `member.list`: a share viewer may use it).
enum PermissionTable {
    /// Who calls: a member with a role, a share-link viewer of the session, or an authenticated
    /// user who is not a member.
    enum Caller: CustomStringConvertible, CaseIterable {
        case member(Role)
        case viewer
        case stranger

        static var allCases: [Caller] { Role.allCases.map(Caller.member) + [.viewer, .stranger] }

        var description: String {
            switch self {
            case .member(let role): role.rawValue
            case .viewer: "share viewer"
            case .stranger: "non-member"
            }
        }
    }

    /// The lowest role an operation on a session needs.
    static let minimumRole: [String: Role] = [
        "session.get": .read,
        "session.update": .admin,
        "session.pause": .admin,
        "session.resume": .admin,
        "session.archive": .admin,
        "session.delete": .owner,
        "session.join": .read,
        "session.leave": .read,
        "history": .read,
        "turn.post": .write,
        "turn.undo (own turn)": .write,
        "turn.undo (another's turn)": .admin,
        "session.clear": .admin,
        "state.get": .read,
        "state.put": .write,
        "comment.add": .comment,
        "comment.list": .read,
        "member.list": .read,
        "member.add": .admin,
        "member.set_role": .admin,
        "member.remove": .admin,
        "contributions (session)": .read,
        "checkpoint.save": .write,
        "checkpoint.list": .read,
        "checkpoint.get": .read,
        "checkpoint.restore": .admin,
        "branch.create": .write,
        "branch.merge": .admin,
        "branch.discard": .admin,
        "template.save": .admin,
        // A whole session in one answer (rows, members, comments): admin, as protocol.md says.
        "session.export": .admin,
        "share.create": .admin,
        "share.list": .admin,
        "share.revoke": .admin,
    ]

    /// Operations outside any one session: any authenticated user (never a share viewer, except ping).
    static let anyUser: [String] = [
        "session.create", "session.list", "session.search", "template.list", "template.create_session",
        "session.import", "contributions (own)", "ping",
    ]

    /// What a share-link viewer may do on its session (protocol.md, "Connecting and authentication").
    static let viewerAllowed: Set<String> = [
        "session.get", "session.join", "session.leave", "history", "state.get", "comment.list", "member.list", "ping",
        // A viewer's session.list answers its one session: how a client learns what a link opens.
        "session.list",
    ]

    /// The answer `caller` must get for `op`: nil for success, else the error code.
    static func expected(_ op: String, for caller: Caller) -> String? {
        switch caller {
        case .viewer:
            return viewerAllowed.contains(op) ? nil : "forbidden"
        case .stranger:
            return minimumRole[op] == nil ? nil : "not_found"
        case .member(let role):
            guard let minimum = minimumRole[op] else { return nil }
            return rank(role) >= rank(minimum) ? nil : "forbidden"
        }
    }

    /// Role order as protocol.md states it: owner > admin > write > comment > read.
    private static func rank(_ role: Role) -> Int {
        ["read", "comment", "write", "admin", "owner"].firstIndex(of: role.rawValue)!
    }
}
