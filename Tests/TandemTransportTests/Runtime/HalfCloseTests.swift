import Foundation
import Testing
@testable import TandemTransport

/// A peer that sends its last requests and then ends its side of the stream (FIN; over TLS,
/// close_notify) still gets the answers: they were dropped with the socket as soon as the EOF was read,
/// even an answer already queued in the same loop turn.
@Suite("Runtime: the peer's end of stream")
struct HalfCloseTests {
    @Test func messagesSentJustBeforeTheFINAreAnsweredThenTheConnectionCloses() throws {
        let app = RecordingApp()
        let server = try TestServer({ $0.loopCount = 1; $0.closeTimeout = 0.5 }, application: app)
        defer { server.stop() }
        let client = try RawSocket(port: server.port)
        client.send(Array(upgradeRequest().utf8) + clientFrame(.text, Array("last words".utf8)))
        client.halfClose()
        let bytes = client.readAll(timeout: 5, limit: 1 << 16)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101"))
        #expect(text.contains("last words"), "the echo was dropped")
        #expect(closeCode(inServerBytes: bytes) == 1000)
        #expect(eventually { app.closedCodes.count == 1 })
    }

    @Test func anHTTPRequestAndItsFINInOneWriteAreAnswered() throws {
        let server = try TestServer({ $0.loopCount = 1 }, application: RecordingApp())
        defer { server.stop() }
        for _ in 0..<3 {
            let client = try RawSocket(port: server.port)
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            client.halfClose()
            #expect(client.readStatus() == 200)
        }
    }

    /// A client whose process exits sends FIN and no close frame. Its place under max-connections was
    /// held for closeTimeout (5 s) all the same, and a client restarted at once was refused 503.
    @Test func aPeerThatExitedWithoutACloseFrameFreesItsPlaceAtOnce() throws {
        let app = RecordingApp()
        let server = try TestServer({ $0.loopCount = 1; $0.maxConnections = 1; $0.closeTimeout = 30 * testTimeScale }, application: app)
        defer { server.stop() }
        for round in 0..<3 {
            let first = try WebSocketClient(url: "ws://127.0.0.1:\(server.port)/")
            try first.send(text: "round \(round)")
            #expect(first.receiveMessage() == .text(Array("round \(round)".utf8)))
            #expect(server.server.connectionCount == 1)
            first.disconnect() // as at exit: the socket closes, nothing unread, no close frame
            let ended = Date()
            // Held, the place would be kept for closeTimeout (30 s): a third of it is still long
            // before, and no scheduler's delay (a bound of 1 s was one's to break under load).
            #expect(eventually(timeout: 10) { server.server.connectionCount == 0 }, "round \(round): the place was kept")
            #expect(Date().timeIntervalSince(ended) < 10 * testTimeScale, "long before closeTimeout")
            let next = try WebSocketClient(url: "ws://127.0.0.1:\(server.port)/")
            try next.send(text: "next \(round)")
            #expect(next.receiveMessage() == .text(Array("next \(round)".utf8)))
            _ = next.close(timeout: 1)
            #expect(eventually { server.server.connectionCount == 0 })
        }
        #expect(eventually { app.closedCodes.count == 6 })
    }

    /// A peer that only shut down its writing side still reads: it keeps its connection (and
    /// place) for closeTimeout, for answers still on their way, then gets a 1000 close.
    @Test func aHalfClosedPeerThatStillReadsKeepsTheWaitForItsAnswers() throws {
        let server = try TestServer({ $0.loopCount = 1; $0.closeTimeout = 1 }, application: RecordingApp())
        defer { server.stop() }
        let client = try RawSocket(port: server.port)
        client.send(upgradeRequest())
        #expect(eventually { server.server.connectionCount == 1 })
        Thread.sleep(forTimeInterval: 0.1)
        client.halfClose()
        Thread.sleep(forTimeInterval: 0.4)
        #expect(server.server.connectionCount == 1, "closed before closeTimeout although the peer reads")
        let bytes = client.readAll(timeout: 5, limit: 1 << 16)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 101"))
        #expect(closeCode(inServerBytes: bytes) == 1000)
        #expect(eventually { server.server.connectionCount == 0 })
    }
}
