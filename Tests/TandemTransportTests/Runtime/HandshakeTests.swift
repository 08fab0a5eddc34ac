import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: HTTP handshake over loopback")
struct HandshakeTests {
    @Test func aSecondServerOnATakenPortFailsToStartInsteadOfSharingIt() throws {
        let first = try TestServer(application: RecordingApp())
        defer { first.stop() }
        let second = try WebSocketServer(configuration: TransportConfiguration(host: "127.0.0.1", port: first.port, loopCount: 2),
                                         application: RecordingApp())
        let error = #expect(throws: TransportError.self) { try second.start() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("in use"))
        #expect(second.port == nil)
    }

    @Test func upgradeSucceedsAndEchoes() throws {
        let app = RecordingApp()
        let server = try TestServer(application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url + "/chat")
        try client.send(text: "hello")
        #expect(client.receiveMessage() == .text(Array("hello".utf8)))
        #expect(app.opened.first?.context as? String == "/chat")
        // A value context is no object: the class check of a hot path finds nothing there.
        #expect(app.opened.first != nil && app.opened.first?.contextObject == nil)
        #expect(client.close() == 1000)
    }

    @Test func aClassContextIsAlsoItsContextObject() throws {
        let app = ObjectContextApp()
        let server = try TestServer(application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url + "/")
        try client.send(text: "hello")
        #expect(client.receiveMessage() == .text(Array("same".utf8)))
        #expect(client.close() == 1000)
    }

    @Test func subprotocolAndAuthorizationHeader() throws {
        let app = RecordingApp(requireToken: "s3cret")
        let server = try TestServer({ $0.upgrade.subprotocols = ["tandem.v1"] }, application: app)
        defer { server.stop() }
        let options = WebSocketClient.Options(subprotocols: ["other", "tandem.v1"], headers: [("Authorization", "Bearer s3cret")])
        let client = try WebSocketClient(url: server.url + "/", options: options)
        #expect(client.subprotocol == "tandem.v1")
        client.close()
        #expect(throws: WebSocketClient.ConnectError.self) { _ = try WebSocketClient(url: server.url + "/") }
        do {
            _ = try WebSocketClient(url: server.url + "/")
        } catch .rejected(let status, _, _) {
            #expect(status == 401)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func badRequestsGetTheirStatus() throws {
        let server = try TestServer(application: RecordingApp())
        defer { server.stop() }
        let cases: [(String, Int)] = [
            ("GARBAGE\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
            ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426),
            // An Upgrade the server does not speak is ignored: a plain request (RecordingApp has no "/").
            ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 404),
            ("POST /healthz HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 405),
            ("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            (upgradeRequest(path: "/forbidden"), 404),
            ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 20_000) + "\r\n\r\n", 431),
        ]
        for (request, status) in cases {
            let socket = try RawSocket(port: server.port)
            socket.send(request)
            #expect(socket.readStatus() == status, "\(request.prefix(60))")
        }
    }

    @Test func plainGetRoute() throws {
        let server = try TestServer(application: RecordingApp())
        defer { server.stop() }
        let socket = try RawSocket(port: server.port)
        socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let text = String(decoding: socket.readAll(), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.hasSuffix("\r\n\r\nok\n"))
    }

    @Test func anUpgradeToSomethingElseIsServedAsPlainHTTP() throws {
        // What `curl --http2 http://HOST/healthz` sends: a health check, not a WebSocket attempt.
        let server = try TestServer(application: RecordingApp())
        defer { server.stop() }
        for upgrade in ["Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n",
                        "Upgrade: h2c, TLS/1.2\r\n", "Upgrade: \r\n"] {
            let socket = try RawSocket(port: server.port)
            socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + upgrade + "\r\n")
            let text = String(decoding: socket.readAll(), as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(upgrade.debugDescription): \(text.prefix(60))")
            #expect(text.hasSuffix("\r\n\r\nok\n"))
        }
    }

    @Test func handshakeTimeoutAnswers408() throws {
        let server = try TestServer({ $0.handshakeTimeout = 0.2 }, application: RecordingApp())
        defer { server.stop() }
        let socket = try RawSocket(port: server.port)
        socket.send("GET / HTTP/1.1\r\nHost: x\r\n")
        // Without the timeout the request waits as long as the client: the read would wait out its
        // 30 s (the 10 s bound is a backstop, not a latency bound).
        let start = Date()
        #expect(socket.readStatus(timeout: 30 * testTimeScale) == 408)
        #expect(Date().timeIntervalSince(start) < 10 * testTimeScale, "answered after \(Date().timeIntervalSince(start)) s")
    }
}

/// Accepts with a class instance as the context and answers "same" when `contextObject` is that
/// very instance.
private final class ObjectContextApp: WebSocketApplication {
    final class Marker: Sendable {}
    let marker = Marker()

    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision { .accept(context: marker) }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        let same = connection.contextObject === marker && connection.contextObject as? Marker != nil
        connection.send(SharedFrame(opcode: .text, payload: Array((same ? "same" : "other").utf8)))
    }
}
