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
}
