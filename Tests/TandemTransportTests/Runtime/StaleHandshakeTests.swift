import Foundation
import Testing
@testable import TandemTransport

/// Sockets that connect and say nothing took the places of `maxConnections` (and the overflow places
/// kept for health checks) for the whole handshake timeout, so a member with a good request was
/// refused as long as someone kept reopening them. At the limit, a new connection now takes the place
/// of the oldest one that has sent no request for `staleHandshakeAge`.
@Suite("Runtime: stale handshakes at max-connections")
struct StaleHandshakeTests {
    @Test func aSilentSocketGivesItsPlaceToARealClientAtTheLimit() throws {
        let app = RecordingApp()
        let server = try TestServer({
            $0.loopCount = 1
            $0.maxConnections = 4
            $0.handshakeTimeout = 120 * testTimeScale
            $0.staleHandshakeAge = 0.3
        }, application: app)
        defer { server.stop() }
        // Every place, the 16 overflow places too.
        let silent = try (0..<(4 + ServerCore.overflowConnections)).map { _ in try RawSocket(port: server.port) }
        #expect(eventually { server.server.connectionCount == 4 })
        Thread.sleep(forTimeInterval: 0.5)
        let member = try WebSocketClient(url: "ws://127.0.0.1:\(server.port)/room")
        try member.send(text: "hello")
        #expect(member.receiveMessage() == .text(Array("hello".utf8)))
        let health = try RawSocket(port: server.port)
        health.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(health.readStatus() == 200)
        // The oldest silent socket was closed to make room (EOF at once, long before its handshake
        // timeout: kept, the read would wait out its 30 s; the 10 s bound is a backstop).
        let started = Date()
        #expect(silent[0].readAll(timeout: 30 * testTimeScale).isEmpty)
        #expect(Date().timeIntervalSince(started) < 10 * testTimeScale, "closed after \(Date().timeIntervalSince(started)) s")
        member.disconnect()
    }

    /// With several loops, the silent sockets may all sit on a loop other than the one that accepts the
    /// member: that loop had nothing of its own to close and answered 503 (1-3 trials in 12 with two
    /// loops). At the limit, a new connection now has every loop close its silent ones, and a member
    /// accepted beyond the limit gets a place that came free before its request arrived.
    @Test func silentSocketsOnEveryLoopGiveTheirPlaces() throws {
        let server = try TestServer({
            $0.loopCount = 2
            $0.maxConnections = 6
            $0.handshakeTimeout = 120 * testTimeScale
            $0.staleHandshakeAge = 0.3
        }, application: RecordingApp())
        defer { server.stop() }
        for round in 0..<4 {
            // One at a time: the count follows each accept (more at once would spill into the overflow places).
            var silent: [RawSocket] = []
            while server.server.connectionCount < 6 {
                let before = server.server.connectionCount
                silent.append(try RawSocket(port: server.port))
                _ = eventually { server.server.connectionCount > before }
            }
            Thread.sleep(forTimeInterval: 0.4)
            var member: WebSocketClient?
            for _ in 0..<3 where member == nil {
                member = try? WebSocketClient(url: "ws://127.0.0.1:\(server.port)/room")
            }
            let admitted = try #require(member, "round \(round): refused although silent sockets held every place")
            try admitted.send(text: "round \(round)")
            #expect(admitted.receiveMessage() == .text(Array("round \(round)".utf8)))
            // Every silent socket, whichever loop holds it, was closed (before, only one of the
            // accepting loop's, so up to 5 of 6 stayed).
            // Kept, they would stay until the handshake timeout (120 s): 10 s is a backstop.
            #expect(eventually(timeout: 10) { silent.allSatisfy { $0.isClosedByPeer } }, "round \(round)")
            admitted.close(timeout: 1)
            _ = eventually { server.server.connectionCount == 0 }
        }
    }

    /// Below the limit nobody is closed early: a slow client keeps its place until the handshake timeout.
    @Test func belowTheLimitASlowClientKeepsItsPlace() throws {
        let server = try TestServer({
            $0.loopCount = 1
            $0.maxConnections = 100
            $0.staleHandshakeAge = 0.1
        }, application: RecordingApp())
        defer { server.stop() }
        let slow = try RawSocket(port: server.port)
        Thread.sleep(forTimeInterval: 0.3)
        for _ in 0..<5 { _ = try WebSocketClient(url: "ws://127.0.0.1:\(server.port)/").disconnect() }
        slow.send(upgradeRequest())
        // Closed early, the read ends at EOF with nothing; the status line ends it otherwise.
        #expect(String(decoding: slow.readAll(timeout: 10 * testTimeScale, limit: 12), as: UTF8.self).hasPrefix("HTTP/1.1 101"))
    }
}
