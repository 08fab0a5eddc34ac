import TandemTransport

/// Plain HTTP answers: health, metrics, and the share-link viewer's page.
struct HTTPRoutes: Sendable {
    let metrics: ServerMetrics
    let health: @Sendable () -> Bool
    let viewer: ViewerAssets

    func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = route(request)
        // HEAD: the GET answer's status and headers (Content-Length included), no body.
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/healthz":
            return health() ? .text(200, "ok\n") : .text(503, "storage unavailable: the database does not read, or refused the last write (full, read-only or failing disk)\n")
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
