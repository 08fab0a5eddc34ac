import CSystem
import Foundation
import Logging
import Synchronization
import TandemProtocol
import TandemStore
import TandemTransport

/// Keeps live connections true to the database, whoever changed it (this server or
/// `tandem-admin` writing the file directly):
/// - a revoked token's connections close with 4401 (reason `account removed` when its user was
///   removed, `account disabled` when suspended), a revoked share link's with 4403;
/// - a token's connections close with 4401 `token expired` at its expiry instant (also one a
///   rotation's grace gave it after they opened);
/// - a share-link viewer is told `share.expired` and closed with 4410 at its expiry instant;
/// - a member removed from a session stops receiving its events;
/// - events written by another process reach live subscribers;
/// - a session another process deleted is announced `deleted` to its subscribers.
/// Access changes always write the audit log, so one cheap query per tick finds them.
final class AccessWatcher: @unchecked Sendable {
    // Safe: `lastAudit`, `catchUp` and `thread` are touched only by the watcher thread after
    // start; `stopped` is guarded by `condition`.
    let registry: ConnectionRegistry
    private let live: LiveSessions
    private let dispatcher: Dispatcher
    private let authenticator: Authenticator
    private let store: Store
    private let logger: Logger
    private let interval: Double
    // Monotonic: the watcher's sleep must not grow when the system clock steps back (its ticks
    // apply revocations and share-link expiry within a second).
    private let condition = MonotonicCondition()
    private var stopped = false
    private var lastAudit: Int64 = -1
    /// The external catch-up's state (`catchUpExternalEvents`).
    private var catchUp: ExternalCatchUp
    /// Sessions whose heads the catch-up read so far (tests: how many a tick reads).
    let headsRead = Atomic<Int>(0)
    /// Sessions whose member roles access rechecks read so far (tests).
    let membershipSessionsRead = Atomic<Int>(0)
    /// Connections whose token or link access rechecks read so far (tests).
    let recheckedConnections = Atomic<Int>(0)
    /// For tests: run by a tick that found access changed, right after it read the registry for
    /// its recheck (a handshake registering then must still be checked).
    let afterRegistrySnapshot = Mutex<(@Sendable () -> Void)?>(nil)
    /// Ticks run so far (tests await them).
    let ticks = Atomic<Int>(0)

    init(registry: ConnectionRegistry, live: LiveSessions, dispatcher: Dispatcher, authenticator: Authenticator,
         store: Store, logger: Logger, interval: Double = 0.25, sweepPerTick: Int = ExternalCatchUp.defaultSweepPerTick) {
        self.catchUp = ExternalCatchUp(sweepPerTick: sweepPerTick)
        self.registry = registry
        self.live = live
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    func start() {
        let thread = Thread { [self] in
            // Foundation does not pass `Thread.name` to the kernel on Linux: named from inside.
            tandem_name_current_thread("tandem-access")
            run()
        }
        thread.name = "tandem-access"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            let wait = tick()
            condition.lock()
            if !stopped { condition.wait(seconds: wait) }
            let done = stopped
            condition.unlock()
            if done { return }
        }
    }

    /// One pass; returns how long to sleep (until the next expiry when it comes sooner).
    func tick() -> Double {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Exact share and token expiry: only the connections due now are taken off the registry's
        // schedule (a heap by instant), however many others expire later.
        for (connection, client) in registry.takeDueExpiries(now: now) {
            switch client.identity {
            case .viewer(let linkID, let session, let expiresAt?):
                if client.markCutOff() { expire(connection, linkID: linkID, session: session, at: expiresAt) }
            case .member(let user, let tokenID):
                // The schedule holds the instant `watchExpiry` last gave it; a later one read since
                // (set before it is watched) must not cut early.
                guard let expiresAt = client.tokenExpiresAt else { continue }
                if expiresAt <= now {
                    if client.markCutOff() { cut(connection, user: user, tokenID: tokenID, .expired) }
                } else {
                    registry.watchExpiry(connection, client: client)
                }
            case .viewer: continue
            }
        }
        // Taken first: a connection registered after this is either in `registry.all` below
        // or named again for the next tick.
        let late = registry.takeRecheck()
        do {
            let audit = try store.auditHighWater()
            if audit != lastAudit {
                if lastAudit >= 0 {
                    // Read before the registry: an entry committed after it is the next tick's.
                    let entries = try store.accessChanges(after: lastAudit, through: audit, limit: AccessChangeScope.entriesRead)
                    // A high-water mark that went down (entries deleted) tells nothing of what changed.
                    let scope = AccessChangeScope.of(entries, complete: audit > lastAudit && entries.count < AccessChangeScope.entriesRead)
                    // The cache is emptied before the registry is read: a handshake that took a
                    // token from it is then either in `connections`, or registers after the
                    // generation moved and is named for the next tick (`TandemApplication.opened`).
                    // Read first, one registering in between was in neither and stayed connected.
                    authenticator.invalidate()
                    if scope?.isEmpty == true {
                        // Nothing named (a share link made, turns cleared): no connection to read,
                        // but those named last tick are still due.
                        if !late.isEmpty { try recheckAccess(late) }
                    } else {
                        let connections = registry.all
                        afterRegistrySnapshot.withLock { $0 }?()
                        try recheckAccess(connections, scope: scope, alsoChecking: late)
                    }
                }
                lastAudit = audit
            } else if !late.isEmpty {
                try recheckAccess(late)
            }
            try catchUpExternalEvents()
        } catch {
            logger.warning("access watcher could not read the database", metadata: ["error": "\(error)"])
            for (connection, client) in late { registry.recheckLater(connection, client: client) }
        }
        // Read last: a rotation's grace found by this tick's recheck may come before the interval.
        ticks.add(1, ordering: .relaxed)
        let nextExpiry = registry.nextExpiry.map { Double($0 - Int64(Date().timeIntervalSince1970 * 1000)) / 1000 } ?? .infinity
        return max(0.001, min(interval, nextExpiry))
    }

    private func expire(_ connection: WebSocketConnection, linkID: String, session: String, at: Int64) {
        logger.info("closing viewer of expired share link", metadata: ["share": "\(linkID)", "session": "\(session)"])
        connection.send(EventFrames.ephemeral(session: session, .shareExpired(ShareExpired(share: linkID, expired: at))))
        connection.close(code: TandemProtocol.CloseCode.shareExpired.rawValue, reason: "share link expired")
    }

    /// Closes a member's connection whose token stopped authenticating, saying why (4401).
    private func cut(_ connection: WebSocketConnection, user: String, tokenID: String, _ end: TokenEnd) {
        let (log, reason): (Logger.Message, String) = switch end {
        case .revoked: ("closing connection of revoked token", TandemProtocol.CloseCode.credentialRevoked.reason)
        case .accountRemoved: ("closing connection of removed user", TandemProtocol.CloseCode.accountRemovedReason)
        case .expired: ("closing connection of expired token", TandemProtocol.CloseCode.tokenExpiredReason)
        case .disabled: ("closing connection of disabled user", TandemProtocol.CloseCode.accountDisabledReason)
        }
        // The token's id (never its secret): the user may hold several, and `tokens list` names them by id.
        logger.info(log, metadata: ["user": "\(user)", "token": "\(tokenID)"])
        connection.close(code: TandemProtocol.CloseCode.credentialRevoked.rawValue, reason: reason)
    }

    /// `connections` are checked against the database as it is now; the caller empties the token
    /// cache first when access changed (not when only late arrivals are checked: that would move
    /// the generation and name every handshake in flight again).
    /// `scope`: what the access changes can have touched (nil: anything); only the connections
    /// it concerns are checked again, and member roles read only of its sessions that lost one.
    /// `late`: connections named for this tick (taken off the registry's list), checked whatever the
    /// scope names: what they must be checked against came before this tick's entries.
    private func recheckAccess(_ all: [(WebSocketConnection, ClientConnection)], scope: AccessChangeScope? = nil,
                               alsoChecking late: [(WebSocketConnection, ClientConnection)] = []) throws {
        var connections = all
        if let scope {
            let named = Set(late.map { ObjectIdentifier($0.0) })
            connections = all.filter { scope.concerns($0.1.identity) || named.contains(ObjectIdentifier($0.0)) }
            let kept = Set(connections.map { ObjectIdentifier($0.0) })
            connections += late.filter { !kept.contains(ObjectIdentifier($0.0)) }
        }
        recheckedConnections.add(connections.count, ordering: .relaxed)
        var tokenIDs: Set<String> = []
        var linkIDs: Set<String> = []
        for (_, client) in connections {
            switch client.identity {
            case .member(_, let tokenID): tokenIDs.insert(tokenID)
            case .viewer(let linkID, _, _): linkIDs.insert(linkID)
            }
        }
        let tokens = try store.tokenStates(among: Array(tokenIDs))
        let links = try store.shareLinks(ids: Array(linkIDs))
        // Viewers joined to a session that is gone are closed by its `deleted` announcement
        // (`catchUpExternalEvents`, this tick), after they are told: not here, as "revoked".
        let viewedSessions = Set(connections.compactMap { pair -> String? in
            guard case .viewer(_, let session, _) = pair.1.identity, pair.1.joinedSessions.contains(session) else { return nil }
            return session
        })
        let existingViewed = try store.eventHeads(sessions: Array(viewedSessions))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (connection, client) in connections {
            switch client.identity {
            case .member(let user, let tokenID):
                switch tokens[tokenID] {
                case .ended(let end)?:
                    if client.markCutOff() { cut(connection, user: user, tokenID: tokenID, end) }
                case .live(let expiresAt)?:
                    // A rotation's grace (or a later expiry) reaches connections already open:
                    // rescheduled, `tick` cuts them at that instant.
                    guard expiresAt != client.tokenExpiresAt else { break }
                    client.setTokenExpiresAt(expiresAt)
                    registry.watchExpiry(connection, client: client)
                case nil: break
                }
            case .viewer(let linkID, let session, _):
                guard let link = links[linkID] else {
                    if client.joinedSessions.contains(session) && existingViewed[session] == nil && live.existing(session) != nil { continue }
                    guard client.markCutOff() else { continue }
                    logger.info("closing viewer of deleted share link", metadata: ["share": "\(linkID)", "session": "\(session)"])
                    connection.close(code: TandemProtocol.CloseCode.shareRevoked.rawValue, reason: "share link no longer exists")
                    continue
                }
                if link.revokedAt != nil {
                    guard client.markCutOff() else { continue }
                    logger.info("closing viewer of revoked share link", metadata: ["share": "\(linkID)", "session": "\(session)"])
                    connection.close(code: TandemProtocol.CloseCode.shareRevoked.rawValue, reason: "share link revoked")
                } else if let expires = link.expiresAt, expires <= now, client.markCutOff() {
                    expire(connection, linkID: linkID, session: session, at: expires)
                }
            }
        }
        try dropRemovedMembers(all, onlyIn: scope?.membershipLosses)
    }

    /// A member who lost their membership stops receiving the session's events, once the session's
    /// log has reached them: a removal written by another process (`tandem-admin revoke`) tells
    /// the removed member too, as `member.remove` does. A session that is gone is left to
    /// `catchUpExternalEvents` (same tick), which tells its members it was deleted.
    /// Only the sessions in `onlyIn` are read, when given: no member of another was removed.
    private func dropRemovedMembers(_ connections: [(WebSocketConnection, ClientConnection)], onlyIn losses: Set<String>?) throws {
        // No member removed: no connection's sessions to look at (a lock each).
        if let losses, losses.isEmpty { return }
        var joined: [(user: String, sessions: Set<String>)] = []
        var read: Set<String> = []
        for (_, client) in connections {
            guard let user = client.identity.userID else { continue }
            var sessions = client.joinedSessions
            if let losses { sessions.formIntersection(losses) }
            guard !sessions.isEmpty else { continue }
            joined.append((user, sessions))
            read.formUnion(sessions)
        }
        guard !read.isEmpty else { return }
        membershipSessionsRead.add(read.count, ordering: .relaxed)
        // One read: a session is gone (no roles at all) or has lost this member. Told apart by two
        // reads (heads, then roles), a delete committed between them made every follower "removed",
        // unsubscribed before the delete's own `deleted` went out, and they were never told.
        let roles = try store.memberRoles(sessions: Array(read))
        var removed: Set<SessionUser> = []
        for (user, sessions) in joined {
            for session in sessions where roles[session].map({ $0[user] == nil }) ?? false {
                removed.insert(SessionUser(session: session, user: user))
            }
        }
        for gone in removed {
            _ = dispatcher.pool.submit { [dispatcher] in dispatcher.removed(gone.user, from: gone.session) }
        }
    }

    /// Sessions whose head read one tick ago is still not delivered (another process wrote, or a
    /// publish went missing) are brought up to date from the log; commits in flight at the read
    /// were left a tick for their own completions to publish. A live session gone from the
    /// database, or made again under its id, was deleted by another process: announced `deleted`.
    ///
    /// What a tick reads is bounded, not every live session's head (at 1,000 live sessions that
    /// was ~9 M instructions a tick): every live session only when the writer saw another
    /// connection commit (`tandem-admin`: `StoreWriter.otherCommitsSeen`), else the next
    /// `sweepPerTick` of them in turn, which finds a publish of this server's that went missing.
    private func catchUpExternalEvents() throws {
        let others = store.writer.otherCommitsSeen
        // Asked after reading the count: a commit the count did not show is seen by this look,
        // and the next tick reads every head.
        store.writer.lookForOtherCommits()
        let everyone = others != catchUp.seenOtherCommits
        let sessions = everyone ? live.all : catchUp.nextSweep { live.all }
        let due = catchUp.takePending()
        let heads: [String: SessionHead]
        do {
            heads = sessions.isEmpty ? [:] : try store.eventHeads(sessions: sessions.map(\.id))
        } catch {
            catchUp.restorePending(due)
            throw error
        }
        headsRead.add(sessions.count, ordering: .relaxed)
        if everyone { catchUp.seenOtherCommits = others }
        var gone: Set<ObjectIdentifier> = []
        for liveSession in sessions where live.existing(liveSession.id) === liveSession {
            guard let head = heads[liveSession.id], head.created == liveSession.created else {
                gone.insert(ObjectIdentifier(liveSession))
                _ = dispatcher.pool.submit { [dispatcher] in dispatcher.announceGone(liveSession) }
                continue
            }
            if head.eventSeq > liveSession.fanout.delivered { catchUp.notePending(liveSession, head: head.eventSeq) }
        }
        for (liveSession, head) in due where !gone.contains(ObjectIdentifier(liveSession)) {
            guard head > liveSession.fanout.delivered, live.existing(liveSession.id) === liveSession else { continue }
            _ = dispatcher.pool.submit { [dispatcher] in dispatcher.syncFromLog(liveSession) }
        }
    }
}

private struct SessionUser: Hashable {
    let session: String
    let user: String
}
