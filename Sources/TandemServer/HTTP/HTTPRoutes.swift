import TandemTransport

/// Plain HTTP answers: health, metrics, and the share-link viewer's page.
///
/// `/healthz`, `/metrics` and `/s/SECRET` read the database (`readsDatabase`): `TandemApplication`
/// answers them on the work pool, never on an event loop. The page's read waits at most
/// `http-read-wait` for a pooled reader (every one can be held by exports and searches for
/// seconds); `/healthz` and `/metrics` read on the store's health probe, a connection of its own
/// (`Store.probeHealth`), so a loaded server is never reported down.
struct HTTPRoutes: Sendable {
    let metrics: ServerMetrics
    let health: @Sendable () -> Health
    let viewer: ViewerAssets

    /// What the health check found.
    enum Health: Sendable, Equatable {
        case ok
        /// Another health read under way did not finish within `http-read-wait` (the message says
        /// so): the disk is stalled, or the probes pile up.
        case busy(String)
        /// The database does not read, or storage refused the last write.
        case failing
    }

    /// Whether answering `path` reads the database (so it must not be answered on an event loop).
    static func readsDatabase(_ path: String) -> Bool {
        path == "/healthz" || path == "/metrics" || Credential.sharePathSecret(path) != nil
    }

    /// 503 for a database read that found no free reader in time (`http-read-wait`).
    static func busy(_ message: String) -> HTTPResponse {
        .text(503, "busy: \(message)\n", extraHeaders: [("Retry-After", "1")])
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = route(request)
        // HEAD: the GET answer's status and headers (Content-Length included), no body.
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/healthz":
            switch health() {
            case .ok: return .text(200, "ok\n")
            case .busy(let message): return Self.busy(message)
            case .failing: return .text(503, "storage unavailable: the database does not read, or refused the last write (full, read-only or failing disk)\n")
            }
        case "/metrics":
            let body = Array(metrics.render().utf8)
            return HTTPResponse(status: 200, headers: [("Content-Type", PrometheusText.contentType),
                                                       ("Content-Length", String(body.count)), ("Connection", "close")],
                                body: body)
        case "/ws":
            // A plain request to the WebSocket endpoint (a proxy that dropped `Upgrade`, a browser
            // tab): say what is missing rather than "not found".
            return HTTPError(status: 426, message: "/ws takes WebSocket upgrades only (Upgrade: websocket, subprotocol tandem.v1)").response
        case "/":
            return .text(200, "Tandem: connect a client with tandem.v1 over WebSocket at /ws; share links open at /s/SECRET.\n")
        default:
            if let response = viewer.respond(to: request) { return response }
            return .text(404, "not found\n")
        }
    }
}
