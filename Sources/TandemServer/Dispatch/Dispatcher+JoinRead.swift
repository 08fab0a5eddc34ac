import TandemProtocol
import TandemStore
import TandemTransport

/// A join's answer and the events that follow it, as read so far.
struct JoinReading {
    /// The answer; `online` is set under the fan-out lock, `head_eseq` and `backlog` from `replay`
    /// with `since`.
    var result: JoinResult
    var replay: JoinReplay
    let since: Int64?
}

extension Dispatcher {
    /// Reads the join's answer and backlog (or its view) without the fan-out lock: the heavy read.
    func readJoin(_ p: JoinParams, actor: String, client: ClientConnection, liveSession: LiveSession) throws -> JoinReading {
        let session = try store.session(id: p.session, actor: actor)
        let role: TandemProtocol.Role = switch client.identity {
        case .viewer: .read
        case .member(let user, _): try store.role(session: p.session, user: user).map(TandemProtocol.Role.init) ?? .read
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
            let current = try? SessionInfo(store.session(id: p.session))
            var reading = JoinReading(
                result: JoinResult(session: info, role: role, online: [], headSeq: session.lastTurnSeq, headEseq: since),
                replay: JoinReplay(session: p.session, created: session.createdAt, info: current, member: client.identity.userID,
                                   limits: (Self.maxReplay, configuration.maxReplayBytes), after: since),
                since: since)
            try catchUp(&reading)
            return reading
        }
        return try readView(p, actor: actor, role: role, member: client.identity.userID, liveSession: liveSession)
    }

    /// A join without `since`: the head, the turns and the rows from one snapshot. Live events
    /// follow the head, so nothing shown may be newer than it (only turns the head covers, and only
    /// live ones, as `history` shows them).
    func readView(_ p: JoinParams, actor: String, role: TandemProtocol.Role, member: String?,
                  liveSession: LiveSession) throws -> JoinReading {
        let lastTurns = p.last.flatMap { $0 > 0 ? Int(clamping: $0) : nil }
        let view = try store.joinView(session: p.session, actor: actor, lastTurns: lastTurns, includeState: p.includeState,
                                      stateLimit: 100_000, budget: pageBudget)
        let current = SessionInfo(view.session)
        liveSession.lastKnownInfo = current
        var info = current
        info.role = role
        let result = JoinResult(session: info, role: role, online: [], headSeq: view.session.lastTurnSeq,
                                headEseq: view.session.lastEventSeq, backlog: 0,
                                turns: lastTurns == nil ? nil : view.turns.map(TurnDTO.init),
                                state: p.includeState ? view.rows.map(TandemProtocol.StateRow.init) : nil,
                                stateMore: view.stateMore)
        return JoinReading(result: result, replay: JoinReplay(session: p.session, created: view.session.createdAt, info: current,
                                                             member: member, limits: nil, after: view.session.lastEventSeq),
                           since: nil)
    }

    /// Reads the change log from what `reading` has up to the head, page by page.
    func catchUp(_ reading: inout JoinReading) throws {
        while true {
            let page = try store.changeFeed(session: reading.replay.session, since: reading.replay.through, limit: Self.replayPageEvents)
            switch try reading.replay.add(page) {
            case .head: return
            case .more: continue
            case .madeAgain:
                // A join without since reads its view again under the lock (`finishJoin`).
                guard reading.since == nil else { throw madeAgain(reading.replay.session) }
                return
            }
        }
    }

    /// Under the session's fan-out lock (no event of it is delivered meanwhile): reads what was
    /// committed since `reading` was read, one page, then queues the answer and every event after it
    /// and returns the subscriber's floor. When more than a page came meanwhile it returns nil, and
    /// the join catches up outside the lock and comes back; with `whatever`, it reads the rest here
    /// (the writes outran `JoinTuning.catchUps` (3) catch-ups: each of those read what was committed during
    /// the one before, so what is left is what was committed during the last, and holding the
    /// lock for it is what every join did before).
    ///
    /// It must not take the live-session map's lock (`LiveSessions`): `retireIfEmpty` takes that
    /// one first, then the fan-out's.
    func finishJoin(_ reading: inout JoinReading, p: JoinParams, id: RequestID, actor: String,
                    connection: WebSocketConnection, liveSession: LiveSession, online: [String],
                    whatever: Bool) throws -> Int64? {
        let limit = configuration.joinTuning.pageUnderLock
        var added = try reading.replay.add(lockedRead { try store.changeFeed(session: p.session, since: reading.replay.through,
                                                                               limit: limit) })
        while added == .more {
            guard whatever else { return nil }
            added = try reading.replay.add(lockedRead { try store.changeFeed(session: p.session, since: reading.replay.through,
                                                                             limit: Self.replayPageEvents) })
        }
        if added == .madeAgain {
            // Another session was made under the id since the read: a resume cannot go on, and a
            // join without one reads its view again, here, as every join did before. (The live
            // session follows the deleted one: its followers, this one included, are told it is gone.)
            guard reading.since == nil else { throw madeAgain(p.session) }
            reading = try lockedRead { try readView(p, actor: actor, role: reading.result.role,
                                                    member: reading.replay.member, liveSession: liveSession) }
        }
        // Removed after the read checked their access: refused as that check would refuse them now
        // (their removal may have gone out before they subscribed, unsilenced).
        if reading.replay.memberRemoved { _ = try lockedRead { try store.session(id: p.session, actor: actor) } }
        var result = reading.result
        result.online = online
        if reading.since != nil {
            result.headEseq = reading.replay.through
            result.headSeq = max(result.headSeq, reading.replay.lastTurnSeq)
            result.backlog = reading.replay.count
        }
        send(.success(id: id, result), to: connection)
        metrics.deliveries.add(reading.replay.frames.count)
        for frame in reading.replay.frames { connection.send(frame) }
        return reading.replay.through
    }

    private func madeAgain(_ session: String) -> DispatchFailure {
        DispatchFailure(code: .resyncRequired, message: "session \(session) was deleted and created again while joining; join without since")
    }

    /// Counts a store read made under a fan-out lock (`tandem_join_locked_reads_total`).
    private func lockedRead<T>(_ read: () throws -> T) rethrows -> T {
        metrics.joinLockedReads.add()
        return try read()
    }
}
