import TandemProtocol
import TandemStore
import TandemTransport

extension Dispatcher {
    /// Most events a resuming client may ask to replay; beyond it, `resync_required`.
    static let maxReplay: Int64 = 10_000
    /// Events read per store query while replaying (a page of large turns is still a bounded read).
    static let replayPageEvents = 100

    /// Subscribes `connection` to a session. The answer (and, with `since`, the missed events) is
    /// queued under the session's fan-out lock, so every live event comes after it, none twice.
    func join(_ p: JoinParams, id: RequestID, connection: WebSocketConnection, client: ClientConnection) throws {
        let actor = try actor(client, session: p.session, op: .sessionJoin)
        switch client.markJoined(p.session, limit: configuration.maxSessionsPerConnection) {
        case .marked: break
        case .alreadyJoined:
            throw DispatchFailure(code: .conflict, message: "session \(p.session) is already joined on this connection")
        case .limitReached:
            // Named like every count limit (protocol.md): the operator knows which setting to raise.
            let limit = configuration.maxSessionsPerConnection
            throw DispatchFailure(code: .limitExceeded, message: """
                this connection has joined \(limit) sessions, the most allowed (server setting \
                max-sessions-per-connection = \(limit)); leave one first, or use another connection
                """)
        }
        let user = client.identity.userID
        let recipient = Recipient(connection: connection, user: user)
        let liveSession: LiveSession
        do {
            // Read before the map's lock is taken: every post looks a live session up under it.
            let current = try store.session(id: p.session)
            let replaced: LiveSession?
            (liveSession, replaced) = live.sessionForJoin(p.session, current: SessionHead(eventSeq: current.lastEventSeq,
                                                                                          created: current.createdAt))
            // The session its followers knew was deleted by another process and made again: tell them.
            if let replaced { _ = pool.submit { [self] in announceGone(replaced) } }
        } catch {
            client.markLeft(p.session)
            throw error
        }
        do {
            defer { liveSession.joinDone() }
            try liveSession.join(user) {
                try liveSession.fanout.subscribe(recipient) { _ in
                    try joinBacklog(p, id: id, actor: actor, client: client, connection: connection, liveSession: liveSession,
                                    online: onlineAfterJoin(liveSession, user))
                }
            }
        } catch {
            client.markLeft(p.session)
            live.retireIfEmpty(liveSession)
            throw error
        }
    }

    /// Reads and queues the join answer and backlog; returns the floor (last eseq the client has).
    /// Runs under the session's fan-out lock, so it must not take the live-session map's lock
    /// (`LiveSessions`): `retireIfEmpty` takes that one first, then the fan-out's.
    private func joinBacklog(_ p: JoinParams, id: RequestID, actor: String, client: ClientConnection,
                             connection: WebSocketConnection, liveSession: LiveSession,
                             online: [String]) throws -> (floor: Int64, value: Void) {
        let session = try lockedRead { try store.session(id: p.session, actor: actor) }
        let role: TandemProtocol.Role = switch client.identity {
        case .viewer: .read
        case .member(let user, _): try lockedRead { try store.role(session: p.session, user: user) }.map(TandemProtocol.Role.init) ?? .read
        }
        var info = SessionInfo(session)
        liveSession.lastKnownInfo = info
        info.role = role
        if let since = p.since {
            // Event numbers start again at 1 in a session made again under a deleted one's id.
            if let created = p.created, created != session.createdAt {
                throw DispatchFailure(code: .resyncRequired, message: "session \(p.session) was deleted and created again since; join without since")
            }
            guard since >= 0, since <= session.lastEventSeq else {
                throw DispatchFailure(code: .resyncRequired, message: "since \(since) is beyond the session's head \(session.lastEventSeq)")
            }
            guard session.lastEventSeq - since <= Self.maxReplay else {
                throw DispatchFailure(code: .resyncRequired, message: "more than \(Self.maxReplay) events to replay; join without since")
            }
            // Encoded page by page, counting bytes as it goes: the whole backlog is queued to the
            // connection in one go (under the fan-out lock, so nothing live can slip in between), so
            // it must be bounded in bytes as well as in events. Small pages keep the SQLite read of
            // large turns bounded too.
            let current = try? lockedRead { try SessionInfo(store.session(id: p.session)) }
            let isViewer = if case .viewer = client.identity { true } else { false }
            var frames: [SharedFrame] = []
            var replayed: Int64 = 0
            var bytes = 0
            var floor = since
            while true {
                let page = try lockedRead { try store.changeFeed(session: p.session, since: floor, limit: Self.replayPageEvents) }
                for var change in page.events {
                    replayed += 1
                    // A share link shows what history shows: no text of a turn undone, cleared or rewound since.
                    // Nor what only forbidden reads show (a restore's checkpoint, a merge's branch).
                    if isViewer { change.hideRetired(); change.hideViewerDetail() }
                    guard let frame = EventFrames.event(for: change, session: p.session, info: current) else { continue }
                    bytes += frame.payloadCount
                    guard bytes <= configuration.maxReplayBytes else {
                        throw DispatchFailure(code: .resyncRequired, message: "more than \(configuration.maxReplayBytes) bytes of events to replay (max-replay); join without since and page history")
                    }
                    frames.append(frame)
                }
                floor = page.events.last?.eventSeq ?? floor
                if page.events.isEmpty || floor >= page.lastEventSeq {
                    floor = max(floor, page.lastEventSeq)
                    break
                }
            }
            let result = JoinResult(session: info, role: role, online: online, headSeq: session.lastTurnSeq,
                                    headEseq: floor, backlog: replayed)
            send(.success(id: id, result), to: connection)
            metrics.deliveries.add(frames.count)
            for frame in frames { connection.send(frame) }
            return (floor, ())
        }
        // The head, the turns and the rows from one snapshot: live events follow the head, so nothing
        // shown may be newer than it (only turns the head covers, and only live ones, as `history`
        // shows them).
        let lastTurns = p.last.flatMap { $0 > 0 ? Int(clamping: $0) : nil }
        let view = try lockedRead { try store.joinView(session: p.session, actor: actor, lastTurns: lastTurns, includeState: p.includeState,
                                      stateLimit: 100_000, budget: pageBudget) }
        info = SessionInfo(view.session)
        liveSession.lastKnownInfo = info
        info.role = role
        let floor = view.session.lastEventSeq
        let result = JoinResult(session: info, role: role, online: online, headSeq: view.session.lastTurnSeq, headEseq: floor,
                                backlog: 0, turns: lastTurns == nil ? nil : view.turns.map(TurnDTO.init),
                                state: p.includeState ? view.rows.map(TandemProtocol.StateRow.init) : nil,
                                stateMore: view.stateMore)
        send(.success(id: id, result), to: connection)
        return (floor, ())
    }

    private func lockedRead<T>(_ read: () throws -> T) rethrows -> T {
        joinReadsUnderLock.add(1, ordering: .relaxed)
        return try read()
    }

    private func onlineAfterJoin(_ liveSession: LiveSession, _ user: String?) -> [String] {
        var online = Set(liveSession.onlineUsers)
        if let user { online.insert(user) }
        return online.sorted()
    }

    /// `user` is no member of `session` any more (`member.remove`, or another process's removal
    /// the access watcher found): the log, their `member` event included, reaches the session's
    /// followers, then their connections leave it; nothing of the session after that is theirs.
    func removed(_ user: String, from session: String) {
        guard let liveSession = live.existing(session) else { return }
        syncFromLog(liveSession)
        for recipient in liveSession.fanout.recipients where recipient.user == user {
            guard let client = recipient.connection.client else { continue }
            leave(session, connection: recipient.connection, client: client)
        }
    }

    /// Unsubscribes `connection` from `session`; false if it was not joined.
    @discardableResult
    func leave(_ session: String, connection: WebSocketConnection, client: ClientConnection) -> Bool {
        guard client.markLeft(session) else { return false }
        guard let liveSession = live.existing(session) else { return true }
        let user = client.identity.userID
        liveSession.fanout.unsubscribe(Recipient(connection: connection, user: user))
        if let user { liveSession.depart(user) }
        live.retireIfEmpty(liveSession)
        return true
    }
}
