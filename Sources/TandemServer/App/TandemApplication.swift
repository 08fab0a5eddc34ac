import Foundation
import Logging
import Synchronization
import TandemProtocol
import TandemStore
import TandemTransport

/// What `tandemd` does with the transport's connections. Every callback runs on the connection's
/// event-loop thread and returns quickly; store work goes to the dispatcher's pool.
final class TandemApplication: WebSocketApplication {
    let dispatcher: Dispatcher
    let authenticator: Authenticator
    let routes: HTTPRoutes
    let registry: ConnectionRegistry
    let configuration: ServerConfiguration
    /// Who the client is behind a trusted reverse proxy (`--trusted-proxies`).
    let clientAddress: ClientAddress
    /// Who may read `/metrics` (`--metrics-from`).
    let metricsReaders: AddressAllowList
    let metrics: ServerMetrics
    let logger: Logger
    let clock: @Sendable () -> Double
    private let refusalLog = Mutex(RefusalLogThrottle())

    init(dispatcher: Dispatcher, authenticator: Authenticator, routes: HTTPRoutes, registry: ConnectionRegistry,
         configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger, clock: @escaping @Sendable () -> Double) {
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.routes = routes
        self.registry = registry
        self.configuration = configuration
        self.clientAddress = ClientAddress(trustedProxies: configuration.trustedProxies)
        self.metricsReaders = AddressAllowList(configuration.metricsFrom)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    func handle(http request: HTTPRequest) -> HTTPResponse {
        routes.respond(to: request)
    }

    /// The viewer page at `/s/SECRET` looks the secret up and says whether it is a live link: that
    /// is an authentication like the handshake's, so it spends the same per-address budget
    /// (otherwise plain GETs would be a way round the throttle for guessing share secrets).
    /// Answers on the calling thread; the transport calls `answer(http:peer:responder:)`.
    func handle(http request: HTTPRequest, peer: String) -> HTTPResponse {
        if let refused = refusal(request, peer: peer) { return refused }
        return routed(request, peer: peer)
    }

    /// Routes that read the database (`HTTPRoutes.readsDatabase`) are answered on the work pool:
    /// a read can wait for a reader (exports and searches may hold them all for seconds), and a
    /// loop that waited would stall every connection on it. Refusals, which read nothing, are
    /// answered at once. A full pool queue answers 503 busy at once.
    func answer(http request: HTTPRequest, peer: String, responder: HTTPResponder) -> HTTPAnswer {
        if let refused = refusal(request, peer: peer) { return .now(refused) }
        guard HTTPRoutes.readsDatabase(request.path) else { return .now(routes.respond(to: request)) }
        let queued = dispatcher.pool.submit { [self] in responder.respond(self.routed(request, peer: peer)) }
        guard queued else {
            var busy = HTTPRoutes.busy("the server's work queue is full")
            if request.method == "HEAD" { busy.body = [] }
            return .now(busy)
        }
        return .later
    }

    /// The answer when `/metrics` is asked from an address not in metrics-from, or the viewer page
    /// from an address over its failed-authentication budget; nil otherwise. Reads nothing, takes
    /// nothing: the page's attempt is taken by `routed`, right before its lookup.
    private func refusal(_ request: HTTPRequest, peer: String) -> HTTPResponse? {
        if request.path == "/metrics" {
            let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
            guard metricsReaders.allows(address) else {
                var refused = HTTPResponse.text(403, "/metrics is served to the addresses in metrics-from only\n")
                if request.method == "HEAD" { refused.body = [] }
                return refused
            }
        }
        guard Credential.sharePathSecret(request.path) != nil else { return nil }
        let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
        let wait = authenticator.throttle.secondsUntilAllowed(address, now: clock())
        guard wait == 0 else {
            return throttledPage(request, address: address, wait: wait)
        }
        return nil
    }

    /// The route's answer (it may read the database); a viewer page for no live link counts as a
    /// failed authentication of its address. Its attempt is taken from the address's budget right
    /// before the lookup (`AuthThrottle.reserve`), as a handshake's is, so pages requested at once
    /// are held to the budget as pages requested one by one are (checked on arrival and charged
    /// after a failed lookup, every page in flight was checked). A live link, or 503 busy (no
    /// reader in time: nothing learnt about the secret), gives the attempt back.
    private func routed(_ request: HTTPRequest, peer: String) -> HTTPResponse {
        guard Credential.sharePathSecret(request.path) != nil else { return routes.respond(to: request) }
        let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
        let wait = authenticator.throttle.reserve(address, now: clock())
        guard wait == 0 else {
            return throttledPage(request, address: address, wait: wait)
        }
        let response = routes.respond(to: request)
        if response.status != 200 && response.status != 503 {
            metrics.authFailures.add() // the attempt stays spent
            logRefusal(request, status: response.status, reason: response.status == 410 ? "revoked or expired share link" : "unknown share link",
                       client: address, message: "viewer page refused")
        } else {
            authenticator.throttle.refund(address, now: clock())
        }
        return response
    }

    /// The 429 for a viewer page from an address over its budget (counted and logged as a refusal).
    private func throttledPage(_ request: HTTPRequest, address: String, wait: Double) -> HTTPResponse {
        metrics.authFailures.add()
        logRefusal(request, status: 429, reason: "too many failed authentications from \(address)", client: address,
                   message: "viewer page refused")
        var response = Self.tooManyFailures(retryAfter: AuthThrottle.retryAfter(wait))
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    /// 429 with the real wait: the throttle is a rate, so the next attempt is allowed after
    /// 60 / auth-failures-per-minute seconds, not a fixed minute.
    static func tooManyFailures(retryAfter: Int) -> HTTPResponse {
        .text(429, "too many failed attempts; retry in \(retryAfter) s\n", extraHeaders: [("Retry-After", String(retryAfter))])
    }

    /// Decides on the calling thread; the transport calls `shouldUpgrade(_:subprotocol:peer:responder:)`.
    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String) -> UpgradeDecision {
        let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
        if let refused = upgradeRefusal(request, subprotocol: subprotocol, address: address) { return refused }
        let generation = authenticator.generation
        return admit(authenticator.authenticate(request, address: address, now: clock()), request, address: address, generation: generation)
    }

    /// A credential that needs a database read (a share secret, a token not cached yet) is looked up
    /// on the work pool, waiting at most `http-read-wait` for a reader; the place per user or link
    /// is taken back on the loop, and only if the connection still waits (`UpgradeResponder`). The
    /// rest is decided here at once. A full pool queue answers 503 busy at once.
    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String, responder: UpgradeResponder) -> UpgradeDecision? {
        let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
        if let refused = upgradeRefusal(request, subprotocol: subprotocol, address: address) { return refused }
        // Noted before authenticating (see `Authenticator.generation`).
        let generation = authenticator.generation
        guard authenticator.mayRead(request) else {
            return admit(authenticator.authenticate(request, address: address, now: clock()), request, address: address, generation: generation)
        }
        let queued = dispatcher.pool.submit { [self] in
            let outcome = authenticator.authenticate(request, address: address, now: clock())
            responder.decide { [self] in admit(outcome, request, address: address, generation: generation) }
        }
        return queued ? nil : .reject(HTTPRoutes.busy("the server's work queue is full"))
    }

    /// 404 for a path with no WebSocket, 400 without `tandem.v1`; nil otherwise. Reads nothing.
    private func upgradeRefusal(_ request: HTTPRequest, subprotocol: String?, address: String) -> UpgradeDecision? {
        guard request.path == "/ws" || Credential.sharePathSecret(request.path) != nil else {
            logRefusal(request, status: 404, reason: "no WebSocket at this path", client: address)
            return .reject(.text(404, "not found: connect to /ws\n"))
        }
        guard subprotocol == ProtocolVersion.subprotocol else {
            logRefusal(request, status: 400, reason: "\(ProtocolVersion.subprotocol) not offered", client: address)
            return .reject(.text(400, "offer the WebSocket subprotocol \(ProtocolVersion.subprotocol)\n"))
        }
        return nil
    }

    /// The decision for an authentication's outcome: the place per user (or per link) is taken here,
    /// on the connection's loop, right before the 101.
    private func admit(_ outcome: Authenticator.Outcome, _ request: HTTPRequest, address: String, generation: UInt64) -> UpgradeDecision {
        let identity: ClientIdentity
        var addressPlace: String? = nil
        var tokenExpiresAt: Int64? = nil
        switch outcome {
        case .busy(let message):
            logRefusal(request, status: 503, reason: "busy: \(message)", client: address)
            return .reject(HTTPRoutes.busy(message))
        case .throttled(let reason, let retryAfter):
            metrics.authFailures.add()
            logRefusal(request, status: 429, reason: "\(reason)", client: address)
            return .reject(Self.tooManyFailures(retryAfter: retryAfter))
        case .refused(let status, let reason):
            metrics.authFailures.add()
            logRefusal(request, status: status, reason: "\(reason)", client: address)
            switch status {
            case 400: return .reject(.text(400, "give exactly one credential\n"))
            default: return .reject(Self.unauthorized)
            }
        case .ended(let reason):
            // The same answer as an unknown token's: the client is told no more than "not this one".
            metrics.authFailures.add()
            logRefusal(request, status: 401, reason: "\(reason)", client: address)
            return .reject(Self.unauthorized)
        case .member(let user, let tokenID, let expiresAt):
            tokenExpiresAt = expiresAt
            guard registry.reserve(user, limit: configuration.maxConnectionsPerUser) else {
                logRefusal(request, status: 429, reason: "connections per user", client: address, ["user": "\(user)"])
                return .reject(.text(429, "at most \(configuration.maxConnectionsPerUser) connections per user\n", extraHeaders: [("Retry-After", "5")]))
            }
            identity = .member(user: user, tokenID: tokenID)
        case .viewer(let link):
            // One client address holds at most `max-viewers-per-address` of the link's places, so
            // one holder of the link cannot take them all from everyone else it was given to.
            let perAddress = configuration.maxViewersPerAddress
            let place = perAddress > 0 ? ConnectionRegistry.viewerPlace(link: link.id, address: address) : nil
            let linkKey = "share:" + link.id
            switch registry.reserve(linkKey, limit: configuration.maxConnectionsPerUser, also: place.map { ($0, perAddress) }) {
            case nil:
                addressPlace = place
            case linkKey?:
                logRefusal(request, status: 429, reason: "viewers per link", client: address, ["share": "\(link.id)"])
                return .reject(.text(429, "too many viewers on this link\n", extraHeaders: [("Retry-After", "5")]))
            default:
                logRefusal(request, status: 429, reason: "viewers per link per address", client: address, ["share": "\(link.id)"])
                return .reject(.text(429, "at most \(perAddress) viewers of this link per client address (max-viewers-per-address)\n",
                                     extraHeaders: [("Retry-After", "5")]))
            }
            identity = .viewer(linkID: link.id, session: link.sessionID, expiresAt: link.expiresAt)
        }
        logger.debug("handshake accepted", metadata: ["who": "\(identity.logName)", "client": "\(address)"])
        let bucket = TokenBucket(capacity: configuration.requestBurst, ratePerSecond: configuration.requestsPerSecond, now: clock())
        var postShare: PostShares.Share?
        if case .member(let user, _) = identity { postShare = dispatcher.postShares.share(for: user) }
        return .accept(context: ClientConnection(identity: identity, bucket: bucket, authGeneration: generation, addressPlace: addressPlace,
                                                 tokenExpiresAt: tokenExpiresAt, postShare: postShare))
    }

    /// A refused credential's answer (401), whatever the reason: which one goes to the log only.
    private static var unauthorized: HTTPResponse {
        .text(401, "unauthorized\n", extraHeaders: [("WWW-Authenticate", "Bearer realm=\"tandem\"")])
    }

    func refusedUpgrade(_ request: HTTPRequest, error: HTTPError, peer: String) {
        let address = clientAddress.resolve(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
        logRefusal(request, status: error.status, reason: error.message, client: address)
    }

    /// One line per refused handshake or viewer page, whoever refused it (the path's share secret
    /// redacted), up to `RefusalLogThrottle`'s share per client address; beyond it, one line says how
    /// many were left out. Viewer pages go through it too: a throttled address looping on
    /// `GET /s/...` wrote one line per request (40 for 42 pages), unbounded by anything but its rate.
    private func logRefusal(_ request: HTTPRequest, status: Int, reason: String, client: String, _ more: Logger.Metadata = [:],
                            message: Logger.Message = "handshake refused") {
        let verdict = refusalLog.withLock { $0.refused(client: client, now: clock()) }
        for left in verdict.suppressed {
            logger.info("handshake refusals not logged one by one", metadata: ["client": "\(left.client)", "count": "\(left.count)"])
        }
        guard verdict.logIt else { return }
        let line: Logger.Metadata = ["status": "\(status)", "reason": "\(reason)", "client": "\(client)", "path": "\(Redact.path(request.path))"]
        logger.info(message, metadata: line.merging(more) { first, _ in first })
    }

    /// Says how many refusals and failures the throttled logs (handshakes per address, storage
    /// refusals, internal errors) left out in windows that have ended; called once a second.
    func flushRefusalLogs() {
        for left in refusalLog.withLock({ $0.flush(now: clock()) }) {
            logger.info("handshake refusals not logged one by one", metadata: ["client": "\(left.client)", "count": "\(left.count)"])
        }
        dispatcher.flushFailureLogs()
    }

    func opened(_ connection: WebSocketConnection) {
        guard let client = connection.client else { return }
        registry.add(connection, client: client)
        // Access changed while this handshake authenticated: the watcher's recheck of that change
        // may have looked at the registry before this connection was in it, and a revoked token
        // or link would then stay connected. Its next tick checks this one.
        if authenticator.generation != client.authGeneration { registry.recheckLater(connection, client: client) }
        metrics.connections.set(registry.total)
    }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        guard let client = connection.client else { return }
        guard case .text(let bytes) = message else {
            connection.close(code: 1003, reason: "tandem.v1 uses text frames")
            return
        }
        dispatcher.handle(bytes, from: connection, client: client)
    }

    /// The peer is gone (its process exited without a close frame): its place under the per-user limit
    /// and its presence go now, not when the wait for answers still on their way ends (a client
    /// restarted at once was refused 429 for up to `closeTimeout`, and showed online meanwhile).
    func peerEnded(_ connection: WebSocketConnection) {
        release(connection)
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) {
        guard let client = connection.client else { return }
        logger.debug("connection closed", metadata: ["who": "\(client.identity.logName)", "code": "\(code.map(String.init) ?? "none")"])
        release(connection)
    }

    /// Counted at the cut, not when the socket closes (up to the close timeout later), and only for
    /// the server's own cut: a peer closing with 4408 is not one.
    func outboundOverflowed(_ connection: WebSocketConnection) {
        metrics.queueDrops.add()
        logger.debug("slow consumer cut off: outbound queue full", metadata: ["who": "\(connection.client?.identity.logName ?? "-")"])
    }

    /// Gives up what the connection holds: its place in the registry and its sessions. Idempotent.
    private func release(_ connection: WebSocketConnection) {
        guard let client = connection.client else { return }
        registry.remove(connection, client: client)
        metrics.connections.set(registry.total)
        let joined = client.joinedSessions
        guard !joined.isEmpty else { return }
        // Leaving touches other connections' presence: do it off the loop.
        _ = dispatcher.pool.submit { [dispatcher] in
            for session in joined { dispatcher.leave(session, connection: connection, client: client) }
        }
    }
}

/// Secrets never reach the logs.
enum Redact {
    /// The endpoints' own paths as they are; below an endpoint's first segment (`/s/SECRET`,
    /// `/s/SECRET/x`, `/ws/TOKEN`) only that segment; any other path not at all: a mistyped share
    /// link or a token pasted into a URL is a secret all the same.
    static func path(_ path: String) -> String {
        if ["/", "/ws", "/healthz", "/metrics"].contains(path) { return path }
        let first = path.dropFirst().prefix { $0 != "/" }
        guard ["s", "ws", "healthz", "metrics"].contains(first.lowercased()) else { return "/<redacted>" }
        return path.count == first.count + 1 ? path : "/\(first)/<redacted>"
    }
}
