import FuzzSupport
import Logging
import TandemStore
@testable import TandemServer
import TandemTransport

/// The handshake as tandemd decides it: `TandemApplication.shouldUpgrade` (the path, the
/// subprotocol, then the `Authenticator` and the place per user or link) over the same real store
/// as `AuthFuzz`, for a request the transport has validated. What it must answer:
/// - 404 for a path that is neither `/ws` nor `/s/SECRET`, else 400 without `tandem.v1`;
/// - from an address over its budget of failed attempts, 429 with `Retry-After`, whatever it holds;
/// - else as the credential says: 400 for several, 401 (with `WWW-Authenticate`) for none, a
///   malformed one or any bytes but a live secret's; a live token admits alice under that token,
///   a live link's secret a viewer of that link and its session, and 429 (`Retry-After`) instead
///   when their places are all taken.
enum UpgradeGate {
    /// The address whose budget of failed attempts was spent before the run (the clock stands still,
    /// so it never refills).
    static let throttledAddress = "198.51.100.9"
    static let address = "192.0.2.7"
    static let now: Double = 1_000

    static let configuration: ServerConfiguration = {
        var c = ServerConfiguration()
        c.maxConnectionsPerUser = 1
        c.maxViewersPerAddress = 0
        return c
    }()
    static let metrics = ServerMetrics()
    static let logger = Logger(label: "fuzz-auth") { _ in SwiftLogNoOpLogHandler() }
    static let pool = WorkPool(threads: 1, name: "fuzz-auth")
    static let dispatcher = Dispatcher(store: AuthFuzz.store.store, live: LiveSessions(metrics: metrics), pool: pool,
                                       configuration: configuration, metrics: metrics, logger: logger, clock: { now })
    static let routes = HTTPRoutes(metrics: metrics, health: { .ok }, viewer: ViewerAssets(store: AuthFuzz.store.store, readWait: 1, maxTurns: 1_000))
    /// One attempt a minute, spent by `throttledAddress` before the run.
    static let strictAuthenticator: Authenticator = {
        let authenticator = Authenticator(store: AuthFuzz.store.store, failuresPerMinute: 1)
        while authenticator.throttle.reserve(throttledAddress, now: now) == 0 {}
        return authenticator
    }()

    /// A fresh application per input (its registry holds the places taken), sharing everything else.
    static func application(throttled: Bool) -> TandemApplication {
        TandemApplication(dispatcher: dispatcher, authenticator: throttled ? strictAuthenticator : AuthFuzz.authenticator, routes: routes,
                          registry: ConnectionRegistry(), configuration: configuration, metrics: metrics, logger: logger, clock: { now })
    }

    /// Runs `request` (validated by the transport, which chose `subprotocol`) through the gate.
    /// `placesTaken`: alice's place and the live link's are already held. `mutated`: no untouched
    /// copy of a live secret is in the request.
    static func check(_ request: HTTPRequest, subprotocol: String?, throttled: Bool, placesTaken: Bool, mutated: Bool) {
        let app = application(throttled: throttled)
        if placesTaken {
            _ = app.registry.reserve("alice", limit: 1)
            _ = app.registry.reserve("share:" + AuthFuzz.secrets.linkID, limit: 1)
        }
        let decision = app.shouldUpgrade(request, subprotocol: subprotocol, peer: throttled ? throttledAddress : address)
        let path = request.path == "/ws" || Credential.sharePathSecret(request.path) != nil
        let expected: AuthFuzz.Expected
        if !path {
            expected = .refused(404)
        } else if subprotocol != "tandem.v1" {
            expected = .refused(400)
        } else if throttled {
            expected = .refused(429)
        } else {
            let found = AuthFuzz.expectation(Credential.from(request))
            switch found {
            case .member, .viewer: expected = placesTaken ? .refused(429) : found
            case .refused: expected = found
            }
        }
        switch (decision, expected) {
        case (.accept(let context), .member):
            let identity = (context as? ClientConnection)?.identity
            fuzzCheck(identity == .member(user: "alice", tokenID: AuthFuzz.secrets.tokenID), "the gate admitted \(String(describing: identity))")
        case (.accept(let context), .viewer):
            let identity = (context as? ClientConnection)?.identity
            fuzzCheck(identity == .viewer(linkID: AuthFuzz.secrets.linkID, session: "s1", expiresAt: nil),
                      "the gate admitted \(String(describing: identity))")
        case (.reject(let response), .refused(let status)):
            fuzzCheck(response.status == status, "the gate refused with \(response.status), not \(status)")
            if status == 401 { fuzzCheck(response.header("WWW-Authenticate") != nil, "401 without WWW-Authenticate") }
            if status == 429 { fuzzCheck(Int(response.header("Retry-After") ?? "") ?? 0 > 0, "429 without a Retry-After") }
        case (.accept(let context), _):
            fuzzCheck(false, "the gate admitted \(String(describing: (context as? ClientConnection)?.identity)), expected \(expected)")
        case (.reject(let response), _):
            fuzzCheck(false, "the gate refused with \(response.status), expected \(expected)")
        }
        if mutated, case .accept = decision {
            fuzzCheck(false, "the gate admitted a credential one byte off a valid one")
        }
    }
}
