import Dispatch
import Foundation
import Testing
@testable import TandemTransport

/// Every accepted connection went into the loop's accept order (kept for the stale-handshake sweep at
/// max-connections), and only that sweep ever dropped entries: below the limit, every connection ever
/// made stayed referenced, closed, for the server's life (~750 bytes each; found while soaking:
/// jemalloc's allocated bytes grew by that much per connection made, plain or TLS, with or without a
/// request). Closed connections must now be released.
@Suite("Runtime: closed connections are released")
struct ClosedConnectionReleaseTests {
    /// Holds each opened connection weakly: it must go away once closed.
    // Safe: `refs` is behind `lock`.
    final class WeakApp: WebSocketApplication, @unchecked Sendable {
        struct Weak { weak var connection: WebSocketConnection? }
        private let lock = NSLock()
        private var refs: [Weak] = []

        func handle(http request: HTTPRequest) -> HTTPResponse { .text(200, "ok\n") }
        func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision { .accept(context: request.path) }
        func opened(_ connection: WebSocketConnection) { lock.withLock { refs.append(Weak(connection: connection)) } }
        func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {}

        var openedCount: Int { lock.withLock { refs.count } }
        var stillInMemory: Int { lock.withLock { refs.filter { $0.connection != nil }.count } }
    }

    /// The accept order's size, read on the loop's thread.
    static func acceptOrderCount(_ server: TestServer) -> Int {
        let serverLoop = server.server.serverLoops[0]
        let done = DispatchSemaphore(value: 0)
        // Safe: written on the loop thread, read here only after the semaphore: no concurrent access.
        nonisolated(unsafe) var count = -1
        serverLoop.loop.execute {
            count = serverLoop.acceptOrderCount
            done.signal()
        }
        done.wait()
        return count
    }

    @Test func upgradedConnectionsLeaveMemoryWhenClosed() throws {
        let app = WeakApp()
        // A closed connection's timer entries (stale, skipped by generation) hold it until their
        // deadlines: the handshake timeout's from its accept, the open timer's within a ping interval,
        // the close timeout's. Short here, so that only a real hold remains after them.
        let server = try TestServer({
            $0.loopCount = 1
            $0.pingInterval = 0.2
            $0.handshakeTimeout = 0.5
            $0.closeTimeout = 0.5
        }, application: app)
        defer { server.stop() }
        for _ in 0..<200 {
            let client = try WebSocketClient(url: "\(server.url)/room")
            client.disconnect()
        }
        #expect(eventually { app.openedCount == 200 && server.server.connectionCount == 0 })
        // One more connection after them (what a live server always gets sooner or later).
        let health = try RawSocket(port: server.port)
        health.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(health.readStatus() == 200)
        // The accept order is compacted once 64 entries at its front are settled: fewer may stay.
        #expect(eventually(timeout: 3) { app.stillInMemory < 64 }, "\(app.stillInMemory) of 200 closed connections still in memory")
    }

    @Test func theAcceptOrderStaysSmallBelowTheLimit() throws {
        let server = try TestServer({ $0.loopCount = 1 }, application: WeakApp())
        defer { server.stop() }
        for n in 0..<2_000 {
            let socket = try RawSocket(port: server.port)
            if n % 2 == 0 {
                socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = socket.readStatus()
            }   // else: connects and says nothing, closed at once
        }
        #expect(eventually { server.server.connectionCount == 0 })
        _ = try RawSocket(port: server.port)
        Thread.sleep(forTimeInterval: 0.1)
        let held = Self.acceptOrderCount(server)
        #expect(held < 200, "the accept order holds \(held) connections after 2,000 came and went")
    }

    /// A stopped server let go keeps nothing: its last connections stayed in the accept order (it is
    /// compacted only at an accept, and none comes after the stop), and each holds its loop and
    /// through it the server's core and application: for an embedding, the application's database.
    @Test func aStoppedServerLetsGoOfItsConnectionsAndApplication() throws {
        weak var application: WeakApp?
        weak var core: AnyObject?
        do {
            let app = WeakApp()
            application = app
            let server = try TestServer({ $0.loopCount = 1 }, application: app)
            core = server.server.core
            let client = try WebSocketClient(url: "\(server.url)/room")
            #expect(eventually { app.openedCount == 1 })
            server.stop(grace: 0)
            client.disconnect()
        }
        #expect(eventually(timeout: 3) { application == nil && core == nil },
                "the stopped server's core or application is still referenced")
    }
}
