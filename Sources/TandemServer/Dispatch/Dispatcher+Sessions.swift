import TandemJSON
import TandemProtocol
import TandemStore

extension Dispatcher {
    func createSession(_ p: SessionCreateParams, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        let session = try store.createSession(id: p.session, title: p.title, owner: user, metadata: p.metadata)
        return try made(session, for: user)
    }

    /// The answer to a request that made `session`. A live session still following an earlier
    /// session of its id (deleted by another process, not noticed yet) is told it is gone now,
    /// before anything of the new one can reach its followers.
    func made(_ session: TandemStore.Session, for user: String) throws -> SessionResult {
        if let stale = live.existing(session.id), stale.created != session.createdAt { announceGone(stale) }
        return SessionResult(session: try info(session, for: user))
    }

    func listSessions(_ p: SessionListParams, client: ClientConnection) throws -> SessionListResult {
        if case .viewer(_, let session, _) = client.identity {
            // A share link opens one session; listing is how a viewer's client learns which
            // (the filters apply to it as to anyone's list).
            try requireLiveLink(client)
            var viewed = filter(p, member: p.member)
            viewed.sessionID = session
            let page = try store.listSessions(viewed)
            return SessionListResult(sessions: page.sessions.map { SessionInfo($0, role: .read) }, nextCursor: page.nextCursor)
        }
        let user = try memberUser(client)
        // Only the caller's own sessions are listed; `member` narrows them to those shared with
        // that user too.
        var mine = filter(p, member: user)
        mine.sharedWith = p.member == user ? nil : p.member
        let page = try store.listSessions(mine)
        return SessionListResult(sessions: try page.sessions.map { try info($0, for: user) }, nextCursor: page.nextCursor)
    }

    private func filter(_ p: SessionListParams, member: String?) -> SessionFilter {
        // The reader took `metadata` only as an object.
        var metadata: [String: JSONValue] = [:]
        if case .object(let pairs)? = p.metadata { metadata = pairs }
        return SessionFilter(member: member, parent: p.parent, status: p.status?.store, metadata: metadata,
                             updatedSince: p.updatedSince, limit: Int(p.page.limit ?? Int64(limits.defaultPageSize)),
                             after: p.page.cursor)
    }

    /// At most `search-concurrency` run at once, and one per user: a search's cost grows with the
    /// whole server's turns, not the caller's (the full-text index covers every session and the
    /// membership filter comes after the match), so a user in no session at all could hold every
    /// work thread and database reader with broad prefix searches (12 of them stalled another
    /// user's `session.list` for 16 s on 500,000 turns).
    func searchSessions(_ p: SessionSearchParams, client: ClientConnection) throws -> SearchResult {
        let user = try memberUser(client)
        guard searchingUsers.withLock({ $0.insert(user).inserted }) else {
            throw DispatchFailure(code: .rateLimited, message: "one session.search at a time per user; retry when the last one has answered",
                                  retryAfterMs: 500)
        }
        defer { _ = searchingUsers.withLock { $0.remove(user) } }
        let concurrency = configuration.searchConcurrency
        guard searchesRunning.add(1, ordering: .relaxed).newValue <= concurrency else {
            searchesRunning.subtract(1, ordering: .relaxed)
            throw DispatchFailure(code: .unavailable, message: "\(concurrency) searches are being served (search-concurrency); retry shortly",
                                  retryAfterMs: 500)
        }
        defer { searchesRunning.subtract(1, ordering: .relaxed) }
        let limit = Int(p.page.limit ?? Int64(limits.defaultPageSize))
        var hits: [TandemProtocol.SearchHit] = []
        var sessions: [String: SessionInfo] = [:]
        let page = try store.searchPage(p.query, member: user, status: p.status.flatMap { TandemStore.SessionStatus(rawValue: $0.rawValue) },
                                        cursor: p.page.cursor, limit: limit)
        for hit in page.hits {
            if sessions[hit.sessionID] == nil { sessions[hit.sessionID] = try hitSession(hit.sessionID, for: user) }
            guard let session = sessions[hit.sessionID] else { continue }
            hits.append(TandemProtocol.SearchHit(session: session, seq: hit.turnSeq, snippet: hit.snippet))
        }
        return SearchResult(hits: hits, nextCursor: page.nextCursor)
    }

    /// A hit's session as `user` sees it now, or nil when it was deleted since the search read
    /// its hits (each is read on its own): it is gone for everyone, which is no error of the
    /// search (that answered `not_found` for the whole page). The cursor is a key, so the next
    /// page is not moved by the hit left out.
    private func hitSession(_ id: String, for user: String) throws -> SessionInfo? {
        do throws(StoreError) {
            let session = try store.session(id: id)
            return SessionInfo(session, role: try store.role(session: id, user: user))
        } catch {
            if error.kind == .notFound { return nil }
            throw error
        }
    }

    func getSession(_ p: SessionRef, client: ClientConnection) throws -> SessionResult {
        let actor = try actor(client, session: p.session, op: .sessionGet)
        let session = try store.session(id: p.session, actor: actor)
        if case .viewer = client.identity { return SessionResult(session: SessionInfo(session, role: .read)) }
        return SessionResult(session: try info(session, for: actor))
    }

    func updateSession(_ p: SessionUpdateParams, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        guard p.title != nil || p.metadata != nil else {
            throw DispatchFailure(code: .invalidArgument, message: "give title, metadata or both")
        }
        let (session, _) = try store.updateSession(id: p.session, actor: user, title: p.title, metadata: p.metadata)
        publishFromLog(p.session)
        return SessionResult(session: try info(session, for: user))
    }

    func changeStatus(_ p: SessionRef, to status: TandemStore.SessionStatus, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        let changed: (session: TandemStore.Session, eventSeq: Int64) = switch status {
        case .paused: try store.pauseSession(id: p.session, actor: user)
        case .active: try store.resumeSession(id: p.session, actor: user)
        case .archived: try store.archiveSession(id: p.session, actor: user)
        }
        publishFromLog(p.session)
        return SessionResult(session: try info(changed.session, for: user))
    }

    func deleteSession(_ p: SessionRef, client: ClientConnection) throws -> EmptyResult {
        let user = try memberUser(client)
        let before = try store.session(id: p.session, actor: user)
        try deletingHere(p.session) { (following) throws in
            let tail = try store.deleteSession(id: p.session, actor: user, changesAfter: following?.fanout.delivered)
            publishTail(tail, of: before)
            announceDeleted(before, lastEventSeq: tail.lastEventSeq, by: user)
            publishUnparented(tail)
        }
        return EmptyResult()
    }

    /// Publishes the `unparented` event a delete or discard wrote on each branch of the session
    /// (only branches someone follows are read: one lookup each for the rest).
    func publishUnparented(_ tail: ChangeSet) {
        for branch in tail.unparentedBranches { publishFromLog(branch) }
    }

    /// Runs a delete of session `id` by this server (given its live session, if followed) with the
    /// live session marked, so the access watcher does not announce it as the operator's meanwhile.
    func deletingHere(_ id: String, _ delete: (LiveSession?) throws -> Void) throws {
        guard let following = live.existing(id) else { return try delete(nil) }
        try following.deleting { try delete(following) }
    }

    /// Tells the members following `before` (now deleted or discarded) that it is gone, then
    /// unsubscribes them. The log went with the session: the event is sent directly, numbered after
    /// `lastEventSeq` (the session's last as the delete found it: a post committed between reading
    /// `before` and the delete came before it).
    func announceDeleted(_ before: TandemStore.Session, lastEventSeq: Int64, by user: String) {
        guard let liveSession = live.existing(before.id) else { return }
        announceDeleted(liveSession, info: SessionInfo(before), lastEventSeq: lastEventSeq, by: user)
    }

    /// Publishes what a delete read of the session's log after what its fan-out had delivered
    /// (the log goes with the session): another process's change the access watcher has not read
    /// yet, a post whose event is still on its way. Without it `deleted` came after a gap.
    /// Events already delivered meanwhile are dropped by the fan-out as repeats.
    func publishTail(_ tail: ChangeSet, of before: TandemStore.Session) {
        guard let liveSession = live.existing(before.id), !tail.events.isEmpty else { return }
        publish(tail.events, to: liveSession, info: SessionInfo(before))
    }

    /// The same for a session another process deleted (`tandem-admin sessions delete`, found by
    /// the access watcher), shown as it stood when deleted, after what that process wrote just
    /// before and this server had not published (kept with the retired id: `Store.retiredTail`).
    func announceGone(_ liveSession: LiveSession) {
        // This server's own delete, between its commit and its announcement: it names who deleted.
        if liveSession.isBeingDeletedHere { return }
        guard let known = liveSession.lastKnownInfo else {
            // Nothing to tell the members; the viewers, whose links went with it, are closed all the same.
            for recipient in liveSession.fanout.recipients where recipient.user == nil { closeDeleted(recipient) }
            return
        }
        // Numbered after the log's last change as the delete found it: a follower that joined after
        // a change this server never published knows its number; `deleted` under it would be
        // dropped as a repeat. The changes the other process wrote just before (a revoke, an
        // archive, inside one tick of the watcher), and turns whose publication is still on its
        // way, went with the log, but the delete kept the log's last ones, turns included:
        // published first, so `deleted` follows no gap (before, it did). Only what the kept tail
        // lacks (bounded: RetiredTail) is skipped.
        // Shown as it stood when deleted (kept with its retired id): the last join's view lacked what
        // changed since (turns, title, status); that view only for a session deleted before this was kept.
        let retired = (try? store.retiredSession(id: liveSession.id, created: liveSession.created)) ?? nil
        let info = retired.map { SessionInfo($0) } ?? known
        let delivered = liveSession.fanout.delivered
        let missed = ((try? store.retiredTail(session: liveSession.id, created: liveSession.created)) ?? [])
            .filter { $0.eventSeq > delivered }
        // Only a tail that reaches back to what was delivered: after a hole a client takes the next
        // change for a gap and rejoins, answered `not_found`; `deleted` is the one event that may
        // follow a gap (protocol.md, Recovery).
        if let first = missed.first, first.eventSeq == delivered + 1 { publish(missed, to: liveSession, info: info) }
        let finalHead = retired?.lastEventSeq ?? ((try? store.retiredHead(session: liveSession.id, created: liveSession.created)) ?? nil)
        announceDeleted(liveSession, info: info, lastEventSeq: max(liveSession.fanout.delivered, finalHead ?? 0), by: "admin")
    }

    private func announceDeleted(_ liveSession: LiveSession, info before: SessionInfo, lastEventSeq: Int64, by user: String) {
        // What waits is delivered first and the last event after it, in one step with the unsubscribe:
        // no follower misses `deleted` (an event number taken before a racing post was dropped as a
        // repeat of that post's, and its followers were unsubscribed without a word).
        let recipients = liveSession.fanout.finish(after: lastEventSeq) { eseq in
            var info = before
            info.headEseq = eseq
            return .everyone(EventFrames.frame(Event(session: liveSession.id, eseq: eseq,
                                                     payload: .session(SessionChange(change: .deleted, info: info, by: user))).encode()))
        }
        for recipient in recipients {
            recipient.connection.client?.markLeft(liveSession.id)
            if recipient.user == nil { closeDeleted(recipient) }
        }
        live.retireIfEmpty(liveSession)
    }

    /// A share-link viewer of a deleted session: its link went with the session, so nothing is
    /// left for it to see. Closed after the `deleted` event (queued first), so it learns why.
    private func closeDeleted(_ viewer: Recipient) {
        viewer.connection.close(code: TandemProtocol.CloseCode.shareRevoked.rawValue, reason: "session deleted")
    }

    /// A session as the wire shows it to `user`, with their role.
    func info(_ session: TandemStore.Session, for user: String) throws -> SessionInfo {
        SessionInfo(session, role: try store.role(session: session.id, user: user))
    }
}
