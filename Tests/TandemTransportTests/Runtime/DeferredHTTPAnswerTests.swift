import Foundation
import Synchronization
import Testing
@testable import TandemTransport

/// Answers `/slow` later (`HTTPAnswer.later`), keeping the responders for the test to answer
/// from its own thread; everything else as `RecordingApp` does (WebSocket echo, `/healthz`).
// Safe: `waiting` is behind `lock`; `echo` is immutable and Sendable.
final class DeferringApp: WebSocketApplication, @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [HTTPResponder] = []
    private var deciders: [UpgradeResponder] = []
    let echo = RecordingApp()

    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String, responder: UpgradeResponder) -> UpgradeDecision? {
        guard request.path == "/later" else { return .accept(context: nil) }
        lock.withLock { deciders.append(responder) }
        return nil
    }

    func answer(http request: HTTPRequest, peer: String, responder: HTTPResponder) -> HTTPAnswer {
        guard request.path == "/slow" else { return .now(echo.handle(http: request)) }
        lock.withLock { waiting.append(responder) }
        return .later
    }

    func opened(_ connection: WebSocketConnection) { echo.opened(connection) }
    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) { echo.received(message, on: connection) }
    func closed(_ connection: WebSocketConnection, code: UInt16?) { echo.closed(connection, code: code) }

    var responders: [HTTPResponder] { lock.withLock { waiting } }
    var upgradeResponders: [UpgradeResponder] { lock.withLock { deciders } }
}

/// A plain request the application answers later (from another thread) leaves the connection
/// waiting without holding up its loop; the handshake timeout still bounds the wait.
@Suite("Runtime: HTTP answers given later")
struct DeferredHTTPAnswerTests {
    @Test func aWaitingRequestDoesNotHoldUpTheLoopAndGetsItsAnswerFromAnotherThread() throws {
        let app = DeferringApp()
        let server = try TestServer({ $0.loopCount = 1; $0.handshakeTimeout = 30 }, application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        defer { _ = client.close() }
        let slow = try RawSocket(port: server.port)
        slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { app.responders.count == 1 })
        // The only loop goes on: a WebSocket echo and another plain request are answered meanwhile.
        for round in 0..<20 {
            try client.send(text: "round \(round)")
            #expect(client.receiveMessage(timeout: 10 * testTimeScale) == .text(Array("round \(round)".utf8)))
        }
        let quick = try RawSocket(port: server.port)
        quick.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(quick.readStatus() == 200)
        #expect(slow.readAll(timeout: 0.2).isEmpty, "answered before the application said anything")
        let responder = app.responders[0]
        Thread.detachNewThread { responder.respond(.text(202, "later\n")) }
        let text = String(decoding: slow.readAll(timeout: 5), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 202"), "\(text)")
        #expect(text.hasSuffix("later\n"))
        // Only the first answer counts: a second one, on a connection already answered, is dropped.
        responder.respond(.text(500, "twice\n"))
    }

    @Test func noAnswerWithinTheHandshakeTimeoutIs503AndALateAnswerIsDropped() throws {
        let app = DeferringApp()
        let server = try TestServer({ $0.loopCount = 1; $0.handshakeTimeout = 0.4 }, application: app)
        defer { server.stop() }
        let slow = try RawSocket(port: server.port)
        let started = Date()
        slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        // Without the 503 the request would wait for an answer that never comes: the read would wait
        // out its 30 s (the 10 s bound is a backstop, not a latency bound).
        let text = String(decoding: slow.readAll(timeout: 30 * testTimeScale), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
        #expect(text.contains("Retry-After: 5"))
        #expect(text.hasSuffix("the server did not answer in time; retry later\n"))
        #expect(Date().timeIntervalSince(started) < 10 * testTimeScale, "answered after \(Date().timeIntervalSince(started)) s")
        app.responders.first?.respond(.text(200, "too late\n"))
        // The loop is still well: the late answer went nowhere.
        let quick = try RawSocket(port: server.port)
        quick.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(quick.readStatus() == 200)
    }

    @Test func anUpgradeDecidedLaterOpensWithWhatWasSentBehindIt() throws {
        let app = DeferringApp()
        let server = try TestServer({ $0.loopCount = 1; $0.handshakeTimeout = 30 }, application: app)
        defer { server.stop() }
        let peer = try RawSocket(port: server.port)
        peer.send(Array(upgradeRequest(path: "/later").utf8) + clientFrame(.text, Array("sent early".utf8)))
        #expect(eventually { app.upgradeResponders.count == 1 })
        #expect(peer.readAll(timeout: 0.2).isEmpty, "answered before the application decided")
        let responder = app.upgradeResponders[0]
        Thread.detachNewThread { responder.decide { .accept(context: "later") } }
        let text = peer.read(until: "sent early", timeout: 10 * testTimeScale)
        #expect(text.hasPrefix("HTTP/1.1 101"), "\(text)")
        #expect(text.contains("sent early"), "the frame sent behind the request was echoed")
        #expect(app.echo.opened.count == 1)
    }

    @Test func anUpgradeNotDecidedWithinTheHandshakeTimeoutIs503AndItsDecisionNeverRuns() throws {
        let app = DeferringApp()
        let server = try TestServer({ $0.loopCount = 1; $0.handshakeTimeout = 0.4 }, application: app)
        defer { server.stop() }
        let peer = try RawSocket(port: server.port)
        peer.send(upgradeRequest(path: "/later"))
        let text = String(decoding: peer.readAll(timeout: 5), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
        let decided = Flag()
        app.upgradeResponders.first?.decide {
            decided.value.withLock { $0 = true }
            return .accept(context: nil)
        }
        // The decision would run on the loop: a plain request behind it shows the loop got that far.
        let quick = try RawSocket(port: server.port)
        quick.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(quick.readStatus() == 200)
        #expect(!decided.value.withLock { $0 }, "a place was taken for a connection that had gone")
        #expect(app.echo.opened.isEmpty)
    }

    @Test func aRequestAndItsFINStillGetTheLaterAnswer() throws {
        let app = DeferringApp()
        let server = try TestServer({ $0.loopCount = 1; $0.handshakeTimeout = 30 }, application: app)
        defer { server.stop() }
        let slow = try RawSocket(port: server.port)
        slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        slow.halfClose()
        #expect(eventually { app.responders.count == 1 })
        Thread.sleep(forTimeInterval: 0.1)
        app.responders[0].respond(.text(200, "after your FIN\n"))
        let text = String(decoding: slow.readAll(timeout: 5), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
        #expect(text.hasSuffix("after your FIN\n"))
    }
}

/// A flag set from another thread.
final class Flag: Sendable {
    let value = Mutex(false)
}
