import Synchronization
import TandemTransport

/// Every open connection, by user (or share link), for limits and for cutting off revoked access.
final class ConnectionRegistry: Sendable {
    private struct State {
        var byKey: [String: [UInt64: WebSocketConnection]] = [:]
        /// Places taken per user (or link) by `reserve`: the connections registered plus those
        /// accepted but not yet registered (the handshake's answer is written in between).
        var places: [String: Int] = [:]
        /// Share-link viewers with an expiry and members whose token has one, by that instant:
        /// the watcher takes off those due.
        var expiring = ExpirySchedule<(WebSocketConnection, ClientConnection)>()
        var total = 0
        /// Connections registered while access changed, for the watcher's next tick.
        var recheck: [UInt64: (WebSocketConnection, ClientConnection)] = [:]
    }
    private let state = Mutex(State())

    static func key(_ identity: ClientIdentity) -> String {
        switch identity {
        case .member(let user, _): user
        case .viewer(let link, _, _): "share:" + link
        }
    }

    /// The place a viewer of `link` takes for its client address (`max-viewers-per-address`): an
    /// IPv6 client counts by its /64, as the other per-address limits.
    static func viewerPlace(link: String, address: String) -> String {
        "share:" + link + "@" + AuthThrottle.key(address)
    }

    func add(_ connection: WebSocketConnection, client: ClientConnection) {
        state.withLock { s in
            s.byKey[Self.key(client.identity), default: [:]][connection.id] = connection
            if let at = Self.expiry(of: client) { s.expiring.watch(connection.id, at: at, item: (connection, client)) }
            s.total += 1
        }
    }

    func remove(_ connection: WebSocketConnection, client: ClientConnection) {
        state.withLock { s in
            let key = Self.key(client.identity)
            guard s.byKey[key]?.removeValue(forKey: connection.id) != nil else { return }
            Self.giveBack(key, in: &s)
            if let place = client.addressPlace { Self.giveBack(place, in: &s) }
            s.expiring.unwatch(connection.id)
            s.recheck.removeValue(forKey: connection.id)
            if s.byKey[key]?.isEmpty == true { s.byKey.removeValue(forKey: key) }
            s.total -= 1
        }
    }

    /// Has the watcher cut `connection` at its token's expiry as it is now, given or changed after
    /// it opened (`ClientConnection.tokenExpiresAt`, set first; nil: no longer watched). Nothing
    /// when it has closed meanwhile.
    func watchExpiry(_ connection: WebSocketConnection, client: ClientConnection) {
        state.withLock { s in
            guard s.byKey[Self.key(client.identity)]?[connection.id] != nil else { return }
            if let at = Self.expiry(of: client) {
                s.expiring.watch(connection.id, at: at, item: (connection, client))
            } else {
                s.expiring.unwatch(connection.id)
            }
        }
    }

    /// When a connection's access ends by itself: its share link's expiry, or its token's.
    private static func expiry(of client: ClientConnection) -> Int64? {
        if case .viewer(_, _, let expiresAt) = client.identity { return expiresAt }
        return client.tokenExpiresAt
    }

    /// Has the access watcher check `connection`'s credential on its next tick.
    func recheckLater(_ connection: WebSocketConnection, client: ClientConnection) {
        state.withLock { $0.recheck[connection.id] = (connection, client) }
    }

    /// The connections `recheckLater` named since the last call.
    func takeRecheck() -> [(WebSocketConnection, ClientConnection)] {
        state.withLock { s in
            defer { s.recheck = [:] }
            return Array(s.recheck.values)
        }
    }

    func count(forUser key: String) -> Int { state.withLock { $0.byKey[key]?.count ?? 0 } }

    /// Takes one of `limit` places for `key` (a user, or `share:` and a link id), checked and taken
    /// under one lock: with a count first and the registration after the handshake's answer, two
    /// event loops could each see room for the last place and both take it. Every reservation is
    /// followed by `add` (the transport registers an accepted upgrade at once), and `remove` gives
    /// the place back.
    func reserve(_ key: String, limit: Int) -> Bool {
        reserve(key, limit: limit, also: nil) == nil
    }

    /// Takes a place for `key` and one for `also` together, or neither: nil when both were free,
    /// otherwise the key that was full. `remove` gives `also` back when it is the connection's
    /// `ClientConnection.addressPlace`.
    func reserve(_ key: String, limit: Int, also: (key: String, limit: Int)?) -> String? {
        state.withLock { s in
            let taken = s.places[key] ?? 0
            guard taken < limit else { return key }
            if let also {
                let extra = s.places[also.key] ?? 0
                guard extra < also.limit else { return also.key }
                s.places[also.key] = extra + 1
            }
            s.places[key] = taken + 1
            return nil
        }
    }

    private static func giveBack(_ key: String, in s: inout State) {
        s.places[key] = (s.places[key] ?? 1) - 1
        if s.places[key]! <= 0 { s.places.removeValue(forKey: key) }
    }
    var total: Int { state.withLock { $0.total } }

    /// Takes off the connections whose expiry (share link's or token's) is at or before `now`, and
    /// only those (O(due · log n)); each is taken once, until watched again.
    func takeDueExpiries(now: Int64) -> [(WebSocketConnection, ClientConnection)] {
        state.withLock { $0.expiring.takeDue(now: now) }
    }

    /// No later than the next expiry watched (nil: none).
    var nextExpiry: Int64? { state.withLock { $0.expiring.next } }

    /// The connections whose expiry is watched, and the entries `takeDueExpiries` has taken off so
    /// far, due or stale: what exact expiry has cost the watcher's ticks.
    var expiryWatch: (watched: Int, examined: Int) { state.withLock { ($0.expiring.count, $0.expiring.examined) } }

    /// Every open connection with its client state.
    var all: [(WebSocketConnection, ClientConnection)] {
        state.withLock { s in
            s.byKey.values.flatMap { $0.values }.compactMap { c in c.client.map { (c, $0) } }
        }
    }
}
