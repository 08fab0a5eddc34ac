import TandemProtocol
import TandemStore
import TandemTransport

extension Dispatcher {
    /// Most events a resuming client may ask to replay; beyond it, `resync_required`.
    static let maxReplay: Int64 = 10_000
    /// Events read per store query while replaying (a page of large turns is still a bounded read).
    static let replayPageEvents = 100

    /// Subscribes `connection` to a session. The answer (and the missed events, with `since`) is
    /// queued under the session's fan-out lock, so every live event comes after it, none twice; but
    /// it is read before (`readJoin`): while the lock is held every publish of the session waits,
    /// and under it the join reads only what was committed meanwhile (`finishJoin`).
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
            // The heavy read holds no lock: neither the fan-out's nor presence's around it.
            var reading = try readJoin(p, actor: actor, client: client, liveSession: liveSession)
            configuration.joinTuning.afterRead?()
            var catchUps = 0
            let maxCatchUps = configuration.joinTuning.catchUps
            while try !liveSession.join(user, subscribe: {
                try liveSession.fanout.trySubscribe(recipient) { _ in
                    try finishJoin(&reading, p: p, id: id, actor: actor, connection: connection, liveSession: liveSession,
                                   online: onlineAfterJoin(liveSession, user),
                                   whatever: catchUps >= maxCatchUps).map { (floor: $0, value: ()) }
                } != nil
            }) {
                catchUps += 1
                try catchUp(&reading)
            }
        } catch {
            client.markLeft(p.session)
            live.retireIfEmpty(liveSession)
            throw error
        }
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
