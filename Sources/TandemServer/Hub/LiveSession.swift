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
    typealias Fanout = SequencedFanout<Recipient, EventDelivery, LiveAudience>
    /// Frames by event sequence (`EventDelivery`: one for all, or a member and a viewer frame).
    let fanout: Fanout
    /// Members online: user id → number of joined connections.
    private let online = Mutex<[String: Int]>([:])
    /// Held while a presence change is counted and its event queued, and while a join reads the
    /// list and subscribes (see `join` and `announce`).
    private let presenceOrder = Mutex(())
    /// The session as the last join read it (no role): what a `deleted` event carries when the
    /// session vanished under another process's hand and can no longer be read.
    private let known = Mutex<SessionInfo?>(nil)
    /// Joins that found this session in the map and have not subscribed yet (changed under the
    /// map's lock by `LiveSessions.sessionForJoin`): while any is on its way, the session is not
    /// retired, or the join would subscribe to a session no one publishes to any more.
    private let joining = Mutex(0)
    /// Deletes of this session this server is making (`session.delete`, `branch.discard`): they
    /// announce `deleted` with who made them, so the access watcher, finding the session gone
    /// meanwhile, leaves it to them (it announced the operator, `admin`, instead).
    private let deletesHere = Mutex(0)
    private let metrics: ServerMetrics

    init(id: String, head: Int64, created: Int64, metrics: ServerMetrics) {
        self.id = id
        self.created = created
        self.metrics = metrics
        self.fanout = SequencedFanout(delivered: head, makeAudience: { LiveAudience($0) }) { delivery, _, audience in
            let sent = audience.send(delivery)
            if sent > 0 { metrics.deliveries.add(sent) }
        }
    }

    /// A join that found this session has subscribed, or given up.
    func joinDone() { joining.withLock { $0 -= 1 } }

    /// Runs `delete` (this server's delete of the session, which announces it) with the session
    /// marked as being deleted here.
    func deleting<T>(_ delete: () throws -> T) rethrows -> T {
        deletesHere.withLock { $0 += 1 }
        defer { deletesHere.withLock { $0 -= 1 } }
        return try delete()
    }

    /// Whether a delete of this server's is under way (see `deleting`).
    var isBeingDeletedHere: Bool { deletesHere.withLock { $0 > 0 } }

    fileprivate func joinStarted() { joining.withLock { $0 += 1 } }
    fileprivate var hasJoinsOnTheirWay: Bool { joining.withLock { $0 > 0 } }

    /// The session as the last join read it.
    var lastKnownInfo: SessionInfo? {
        get { known.withLock { $0 } }
        set { known.withLock { $0 = newValue } }
    }

    /// Users with a joined connection, sorted.
    var onlineUsers: [String] { online.withLock { $0.keys.sorted() } }

    /// Subscribes a connection (`subscribe`, which queues the join answer with its `online` list)
    /// and counts its member in, as one step under `presenceOrder`: no presence change falls
    /// between the list and the subscription, so the connection receives exactly the changes
    /// after its list, none it already shows (and `online_count` always agrees with the list a
    /// client keeps). When the connection is the user's first (they came online), everyone joined,
    /// the connection itself included, gets a `presence` `joined` event. A share viewer (`user`
    /// nil) only subscribes. Joins already queue their answer under the fan-out's lock one at a
    /// time, so taking `presenceOrder` around that makes them wait for no one new. `subscribe`
    /// returns false when it did not subscribe (it comes back after reading more): nothing is
    /// counted, and this returns false.
    func join(_ user: String?, subscribe: () throws -> Bool) throws -> Bool {
        try presenceOrder.withLock { _ in
            guard try subscribe() else { return false }
            guard let user else { return true }
            announce(user) { counts in
                counts[user, default: 0] += 1
                return counts[user] == 1 ? .joined : nil
            }
            return true
        }
    }

    /// Counts a member's connection out; when it was the user's last (they went offline), tells
    /// everyone still joined with a `presence` `left` event.
    func depart(_ user: String) {
        presenceOrder.withLock { _ in
            announce(user) { counts in
                guard let n = counts[user] else { return nil }
                if n <= 1 { counts.removeValue(forKey: user); return .left }
                counts[user] = n - 1
                return nil
            }
        }
    }

    /// Changes the counts and queues the event that tells of it; the caller holds `presenceOrder`.
    /// A presence event names one user, so clients keep the list by applying the events in order:
    /// the joined and left of one user must reach every connection in the order the counts changed
    /// (a quick leave racing its own join on another thread would otherwise leave them online
    /// forever). Each loop runs its tasks in the order they were queued, so queuing in that order is
    /// enough; that holds because joins and leaves run on the work pool, neither on a loop (which
    /// would queue its own connections' frames at once) nor inside a `SendBatch` (which would queue
    /// them after the lock is released). Locks are taken in one order: `presenceOrder`, then the
    /// fan-out's, then `online`.
    private func announce(_ user: String, _ change: (inout [String: Int]) -> PresenceAction?) {
        let (action, count) = online.withLock { counts in (change(&counts), counts.count) }
        guard let action else { return }
        broadcastEphemeral(EventFrames.ephemeral(
            session: id, .presence(PresenceChange(user: user, action: action, onlineCount: Int64(count)))))
    }

    /// Sends an ephemeral event (no sequence) to everyone joined now.
    private func broadcastEphemeral(_ frame: SharedFrame) {
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
