import Synchronization
import TandemProtocol
import TandemStore
import TandemTransport

/// A connection as a fan-out recipient: identified by its transport id.
struct Recipient: Hashable, Sendable {
    let connection: WebSocketConnection
    /// The member's user id; nil for a share-link viewer (anonymous: no presence).
    let user: String?

    static func == (a: Recipient, b: Recipient) -> Bool { a.connection.id == b.connection.id }
    func hash(into hasher: inout Hasher) { hasher.combine(connection.id) }
}

/// One session with at least one joined connection: its ordered event fan-out and who is online.
final class LiveSession: Sendable {
    let id: String
    /// Which session of this id it follows (its `created`): another one made under the id after a
    /// delete by another process is another live session.
    let created: Int64
    typealias Fanout = SequencedFanout<Recipient, SharedFrame?, ConnectionGroups>
    /// Frames by event sequence; a nil frame is a sequence number with nothing to tell clients.
    let fanout: Fanout
    /// Members online: user id → number of joined connections.
    private let online = Mutex<[String: Int]>([:])
    /// The session as the last join read it (no role): what a `deleted` event carries when the
    /// session vanished under another process's hand and can no longer be read.
    private let known = Mutex<SessionInfo?>(nil)
    /// Joins that found this session in the map and have not subscribed yet (changed under the
    /// map's lock by `LiveSessions.sessionForJoin`): while any is on its way, the session is not
    /// retired, or the join would subscribe to a session no one publishes to any more.
    private let joining = Mutex(0)
    private let metrics: ServerMetrics

    init(id: String, head: Int64, created: Int64, metrics: ServerMetrics) {
        self.id = id
        self.created = created
        self.metrics = metrics
        self.fanout = SequencedFanout(delivered: head, makeAudience: { ConnectionGroups($0.lazy.map(\.connection)) }) { frame, _, audience in
            guard let frame else { return }
            metrics.deliveries.add(audience.count)
            WebSocketConnection.broadcast(frame, to: audience)
        }
    }

    /// A join that found this session has subscribed, or given up.
    func joinDone() { joining.withLock { $0 -= 1 } }

    fileprivate func joinStarted() { joining.withLock { $0 += 1 } }
    fileprivate var hasJoinsOnTheirWay: Bool { joining.withLock { $0 > 0 } }

    /// The session as the last join read it.
    var lastKnownInfo: SessionInfo? {
        get { known.withLock { $0 } }
        set { known.withLock { $0 = newValue } }
    }

    /// Users with a joined connection, sorted.
    var onlineUsers: [String] { online.withLock { $0.keys.sorted() } }

    /// Counts a member's connection in; true when it is the user's first (they came online).
    func arrive(_ user: String) -> Bool {
        online.withLock { counts in
            counts[user, default: 0] += 1
            return counts[user] == 1
        }
    }

    /// Counts a member's connection out; true when it was the user's last (they went offline).
    func depart(_ user: String) -> Bool {
        online.withLock { counts in
            guard let n = counts[user] else { return false }
            if n <= 1 { counts.removeValue(forKey: user); return true }
            counts[user] = n - 1
            return false
        }
    }

    /// Sends an ephemeral event (no sequence) to everyone joined now.
    func broadcastEphemeral(_ frame: SharedFrame) {
        let audience = fanout.recipients.map(\.connection)
        metrics.deliveries.add(audience.count)
        WebSocketConnection.broadcast(frame, to: audience)
    }
}

/// Every live session, by id. A session becomes live with its first join and stops being live
/// when its last subscriber leaves.
final class LiveSessions: Sendable {
    private let sessions = Mutex<[String: LiveSession]>([:])
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    /// The live session `id` for a join, made from `current` (the session's head and `created`,
    /// as the store has them now) if needed. It stays live until the join calls `joinDone` (after
    /// subscribing, or failing). `replaced` is a live session of an earlier session of the id
    /// (deleted by another process and made again), out of the map now: its subscribers are to be
    /// told it is gone.
    func sessionForJoin(_ id: String, current head: SessionHead) -> (live: LiveSession, replaced: LiveSession?) {
        sessions.withLock { all in
            var replaced: LiveSession?
            let live: LiveSession
            if let found = all[id], found.created == head.created {
                live = found
            } else {
                replaced = all[id]
                live = LiveSession(id: id, head: head.eventSeq, created: head.created, metrics: metrics)
                all[id] = live
                metrics.liveSessions.set(all.count)
            }
            live.joinStarted()
            return (live, replaced)
        }
    }

    func existing(_ id: String) -> LiveSession? { sessions.withLock { $0[id] } }

    var all: [LiveSession] { sessions.withLock { Array($0.values) } }
    var count: Int { sessions.withLock { $0.count } }

    /// Drops `live` if nobody is subscribed any more. Takes the map's lock, then the fan-out's:
    /// nothing may take them the other way round (a join's backlog runs under the fan-out's).
    func retireIfEmpty(_ live: LiveSession) {
        sessions.withLock { all in
            if live.fanout.subscriberCount == 0, !live.hasJoinsOnTheirWay, all[live.id] === live {
                all.removeValue(forKey: live.id)
                // Every way out (leave, close, delete) passes here: the gauge is set with the map.
                metrics.liveSessions.set(all.count)
            }
        }
    }
}
