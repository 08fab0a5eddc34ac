import Foundation
import Logging
import Synchronization
import TandemProtocol
import TandemStore
import TandemTransport

/// A failure decided by the server itself (not by the store), answered with this code.
struct DispatchFailure: Error {
    var code: ErrorCode
    var message: String
    var field: String? = nil
    /// With `unavailable`: when a retry may succeed.
    var retryAfterMs: Int64? = nil
}

/// Turns request frames into store calls and answers, for every connection.
///
/// Runs partly on the event loop (decoding, rate limiting, `ping`), partly on the writer thread
/// (the `turn.post` hot path: its completion answers and broadcasts in commit order) and partly
/// on the work pool (everything that reads or waits on SQLite). A loop thread never blocks.
final class Dispatcher: Sendable {
    let store: Store
    let live: LiveSessions
    let pool: WorkPool
    let configuration: ServerConfiguration
    let limits: ProtocolLimits
    let metrics: ServerMetrics
    let logger: Logger
    let clock: @Sendable () -> Double
    /// Wakes the store writer at the end of a loop turn that queued turn posts.
    let writerWakeup: WriterWakeup
    /// Numbers internal errors so a client's report can be found in the log.
    let errorReference = Atomic<UInt64>(0)
    /// `session.export` requests being served (at most `export-concurrency`).
    let exportsRunning = Atomic<Int>(0)
    /// `session.search` requests running, server-wide (`search-concurrency`).
    let searchesRunning = Atomic<Int>(0)
    /// Each user's `turn.post` bytes not yet answered (`PostShares`).
    let postShares: PostShares
    /// Users with a `session.search` running: one each at a time.
    let searchingUsers = Mutex<Set<String>>([])
    /// Storage refusals logged one by one: the first of each kind (full, readOnly, lockedOut) in
    /// 10 s; the rest are counted and told in one line when the next window starts.
    let storageRefusalLog = Mutex(RefusalLogThrottle(perWindow: 1, window: 10, maxClients: 16))
    /// Internal errors logged one by one: the first of each error text in 10 s (16 texts; past
    /// them the rest share one count); the rest are counted, with their first and last reference.
    let internalErrorLog = Mutex(RefusalLogThrottle(perWindow: 1, window: 10, maxClients: 16,
                                                    othersKey: "(other errors)"))

    init(store: Store, live: LiveSessions, pool: WorkPool, configuration: ServerConfiguration,
         metrics: ServerMetrics, logger: Logger, clock: @escaping @Sendable () -> Double) {
        self.store = store
        self.live = live
        self.pool = pool
        self.configuration = configuration
        self.limits = configuration.protocolLimits
        self.writerWakeup = WriterWakeup(writer: store.writer)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.postShares = PostShares(bytesPerUser: configuration.maxPostBytesPerUser)
    }

    // MARK: Entry point (event-loop thread)

    func handle(_ bytes: [UInt8], from connection: WebSocketConnection, client: ClientConnection) {
        metrics.requests.add()
        // Every message spends a token, well-formed or not: a flood of malformed requests is no
        // way round the limit (and past the abuse threshold it is cut off like any other).
        let admission = client.admit(now: clock(), abuseLimit: limits.rateAbuseThreshold,
                                     abuseWindow: Double(limits.rateAbuseWindowSeconds))
        let decoded = Request.decode(bytes, limits: limits)
        guard admission.admitted else {
            metrics.rateLimited.add()
            metrics.errors.add()
            let id: RequestID? = switch decoded {
            case .success(let request): request.id
            case .failure(let error): error.id
            }
            send(.failure(id: id, .rateLimited, "request rate limit: \(configuration.requestsPerSecond)/s, burst \(Int(configuration.requestBurst))",
                          retryAfterMs: Int64((admission.retryAfter * 1000).rounded(.up))), to: connection)
            if admission.abusive {
                connection.close(code: TandemProtocol.CloseCode.rateAbuse.rawValue, reason: "kept sending after rate_limited")
            }
            return
        }
        let request: Request
        switch decoded {
        case .success(let decodedRequest): request = decodedRequest
        case .failure(let error):
            metrics.errors.add()
            send(error.response, to: connection)
            return
        }
        switch request.operation {
        case .ping:
            send(.success(id: request.id, PongResult(time: Int64(Date().timeIntervalSince1970 * 1000), user: client.identity.userID)),
                 to: connection)
        case .turnPost(let params):
            postTurn(params, id: request.id, bytes: bytes.count, connection: connection, client: client)
        default:
            // The user's turn among users (WorkPool): one user's flood waits behind its own requests.
            let accepted = pool.submit(owner: ConnectionRegistry.key(client.identity)) { [self] in
                let response = perform(request, connection: connection, client: client)
                if let response { send(response, to: connection) }
            }
            if !accepted {
                metrics.errors.add()
                send(.failure(id: request.id, .unavailable, "server is overloaded; retry with backoff"), to: connection)
            }
        }
    }

    // MARK: Work pool side

    /// Runs one request on a work-pool thread. Returns the response, or nil when the handler sent
    /// it itself (join sends its answer and backlog under the session's fan-out lock).
    private func perform(_ request: Request, connection: WebSocketConnection, client: ClientConnection) -> Response? {
        do {
            return try route(request, connection: connection, client: client)
        } catch let failure as DispatchFailure {
            metrics.errors.add()
            return .failure(id: request.id, failure.code, failure.message, field: failure.field, retryAfterMs: failure.retryAfterMs)
        } catch let error as StoreError {
            return failure(error, id: request.id, operation: request.operation.name.rawValue)
        } catch {
            metrics.errors.add()
            let reference = errorReference.add(1, ordering: .relaxed).newValue
            logInternalError("\(error)", operation: request.operation.name.rawValue, reference: reference)
            return .failure(id: request.id, .internal, "internal error (reference \(reference))")
        }
    }

    // MARK: Helpers shared by the handlers

    /// The bytes one page of turns or rows may hold (`max-page-bytes`).
    var pageBudget: PageBudget { PageBudget(maxBytes: limits.maxPageBytes) }

    /// How many items one page of a list (comments, checkpoints, share links, templates) may hold:
    /// the request's `limit`, or the largest page (`maxPageSize`, 1000) without one; `pageBudget`
    /// may end it sooner.
    func pageLimit(_ limit: Int64?) -> Int { limit.map { Int($0) } ?? limits.maxPageSize }

    func send(_ response: Response, to connection: WebSocketConnection) {
        connection.send(EventFrames.frame(response.encode()))
    }

    /// The user a member request acts as; viewers may only use what `ViewerPolicy` allows, on
    /// their own session, and read as its owner (the store speaks only of members).
    func actor(_ client: ClientConnection, session: String, op: OpName) throws -> String {
        switch client.identity {
        case .member(let user, _):
            return user
        case .viewer(_, let linkSession, _):
            guard session == linkSession else { throw DispatchFailure(code: .notFound, message: "session \(session) not found") }
            guard ViewerPolicy.allows(op) else {
                throw DispatchFailure(code: .forbidden, message: "a share link only allows viewing")
            }
            try requireLiveLink(client)
            return try store.session(id: session).owner
        }
    }

    /// A viewer's link, read again for each request: the access watcher closes a viewer whose link
    /// went within a tick, but until then the connection still named a session id, and a session
    /// deleted by another process (`tandem-admin`) and made again under its id by anyone was
    /// served to the old link's viewer as its new owner. One primary-key read.
    func requireLiveLink(_ client: ClientConnection) throws {
        guard case .viewer(let linkID, let session, _) = client.identity else { return }
        guard let link = try store.shareLinks(ids: [linkID])[linkID], link.sessionID == session else {
            throw DispatchFailure(code: .notFound, message: "session \(session) not found")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard link.revokedAt == nil, link.expiresAt.map({ $0 > now }) ?? true else {
            throw DispatchFailure(code: .forbidden, message: "this share link was revoked or has expired")
        }
    }

    /// The member user id, or `forbidden` for a viewer (operations outside any session).
    func memberUser(_ client: ClientConnection) throws -> String {
        guard case .member(let user, _) = client.identity else {
            throw DispatchFailure(code: .forbidden, message: "a share link only allows viewing")
        }
        return user
    }

    /// After a write that produced durable events other than a turn: bring the session's live
    /// subscribers up to date from the change log (the one source of every event).
    func publishFromLog(_ session: String) {
        guard let liveSession = live.existing(session) else { return }
        syncFromLog(liveSession)
    }

    /// Reads the change log after what `liveSession` delivered and publishes it, in order.
    func syncFromLog(_ liveSession: LiveSession) {
        var from = liveSession.fanout.delivered
        for _ in 0..<100 {
            guard let changes = try? store.changeFeed(session: liveSession.id, since: from, limit: 1000) else { return }
            // Deleted and made again under its id since the caller looked (another process did):
            // these are another session's events, and its followers are told theirs is gone.
            if changes.isOfAnotherSession(than: liveSession.created) { return announceGone(liveSession) }
            if changes.events.isEmpty { return }
            let info = try? SessionInfo(store.session(id: liveSession.id))
            publish(changes.events, to: liveSession, info: info)
            from = changes.events.last?.eventSeq ?? from
            if from >= changes.lastEventSeq { return }
        }
    }

    /// Offers changes read from the log to `liveSession`'s fan-out, in order (`info`: the session
    /// as it is, for events that carry it).
    func publish(_ changes: [ChangeEvent], to liveSession: LiveSession, info: SessionInfo?) {
        for change in changes {
            var silencing: LiveSession.Fanout.Silencing? = nil
            if let removed = change.removedMember {
                silencing = { (recipient: Recipient) -> Bool in recipient.user == removed }
            }
            publish(liveSession, change.eventSeq, Self.delivery(of: change, session: liveSession.id, info: info),
                    silencing: silencing)
        }
    }

    /// A change-log entry's event as the fan-out delivers it: one frame for everyone, or, when it
    /// holds what a share-link viewer may not read, a second frame for viewers without it.
    static func delivery(of change: ChangeEvent, session: String, info: SessionInfo?) -> EventDelivery {
        let frame = EventFrames.event(for: change, session: session, info: info)
        guard change.hasViewerHiddenDetail, let frame else { return .everyone(frame) }
        var hidden = change
        hidden.hideViewerDetail()
        // Never the members' frame for viewers: without a frame of their own they get nothing.
        return .split(members: frame, viewers: EventFrames.event(for: hidden, session: session, info: info))
    }

    /// Offers an event to a live session's fan-out; a nil frame skips the sequence number (an
    /// entry that has nothing to tell clients). A remaining gap schedules a catch-up from the log.
    /// `silencing`: connections that get nothing after this event (a removed member's).
    func publish(_ liveSession: LiveSession, _ eseq: Int64, _ frame: SharedFrame?,
                 silencing: LiveSession.Fanout.Silencing? = nil) {
        publish(liveSession, eseq, .everyone(frame), silencing: silencing)
    }

    /// Offers an event as `EventDelivery` (see above).
    func publish(_ liveSession: LiveSession, _ eseq: Int64, _ delivery: EventDelivery,
                 silencing: LiveSession.Fanout.Silencing? = nil) {
        if liveSession.fanout.publish(eseq, delivery, silencing: silencing) { scheduleCatchUp(liveSession) }
    }

    private func scheduleCatchUp(_ liveSession: LiveSession) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in
            guard liveSession.fanout.gap != nil else { return }
            _ = pool.submit { [self] in syncFromLog(liveSession) }
        }
    }
}

/// End-of-turn work that wakes the store writer for the posts a loop turn queued.
final class WriterWakeup: EndOfTurnWork, Sendable {
    let writer: StoreWriter
    init(writer: StoreWriter) { self.writer = writer }
    func endOfTurn() { writer.wakeForQueuedJobs() }
}
