import TandemProtocol

/// Who is online in a joined session, kept by the client: a `presence` event names only the member
/// who came or went (a list in every event made a crowd's arrival cost the cube of its size), so
/// the list is the join answer's `online` with each later event applied in order.
public struct OnlineRoster: Sendable, Equatable {
    /// The users online, as this client knows them.
    public private(set) var users: Set<String> = []

    public init(_ online: [String] = []) {
        users = Set(online)
    }

    /// Takes a join answer's `online` as the truth, whatever was kept before. Every join (the first
    /// one, a rejoin with `since`, a fresh one after `resync_required`) answers with it, and presence
    /// is never replayed, so after a reconnect this is the only way to learn of the comings and
    /// goings missed while away.
    public mutating func reset(to online: [String]) {
        users = Set(online)
    }

    /// Applies a `presence` event (the server sends a connection exactly the changes after its
    /// join answer's list; one applied twice would change nothing). Returns whether the list now
    /// holds as many users as the event says are online: a correct server never makes it false
    /// (tests check it; the list stays usable either way).
    @discardableResult
    public mutating func apply(_ change: PresenceChange) -> Bool {
        switch change.action {
        case .joined: users.insert(change.user)
        case .left: users.remove(change.user)
        }
        return Int64(users.count) == change.onlineCount
    }

    /// Whether `change` would change the list: a join of someone not listed, or a leave of someone
    /// listed. The view shows only those: the join answer already lists the joining user, so their
    /// own `joined` (and a second connection's) would repeat the list it just printed.
    public func isNews(_ change: PresenceChange) -> Bool {
        switch change.action {
        case .joined: !users.contains(change.user)
        case .left: users.contains(change.user)
        }
    }

    /// The users online, sorted (how the renderer shows them).
    public var sorted: [String] { users.sorted() }

    public var count: Int { users.count }
}
