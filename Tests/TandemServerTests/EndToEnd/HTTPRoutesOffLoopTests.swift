import Foundation
import TandemJSON
import TandemStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `/healthz`, `/metrics` and the viewer page read the database. They used to read it on the
    /// event loop, waiting for a reader: while exports and searches held every reader, every
    /// connection on that loop got nothing. They are now answered on the work pool; the page waits
    /// for a reader at most `http-read-wait`, health and metrics read on a connection of their own
    /// (`HealthProbeTests`).
    @Suite("HTTP routes off the event loop") struct HTTPRoutesOffLoopTests {
        @Test("with every reader held, a member on the only loop gets its delivery while a viewer page and handshakes that look up a credential wait (/healthz and /metrics answer); they answer once readers free up")
        func membersKeepGoingWhileRoutesWaitForAReader() throws {
            let harness = try TestServer {
                $0.loops = 1
                // Far longer than the bound on a delivery below: a loop that waited for a reader
                // would hold every delivery this long.
                $0.httpReadWaitSeconds = 120 * testTimeScale
                $0.handshakeTimeoutSeconds = 120 * testTimeScale
            }
            defer { harness.stop() }
            let (alice, bob, secret) = try Self.liveSessionWithLink(harness)
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            defer { readers.release() }

            let waiting = try ["/s/\(secret)"].map { try PendingGet($0, port: harness.port) }
            // Handshakes whose credential needs a read: a viewer's WebSocket, a token's first connection.
            let carol = try harness.user("carol")
            let upgrades = [try PendingGet("/s/\(secret)", port: harness.port, upgrade: true),
                            try PendingGet("/ws", port: harness.port, upgrade: true, headers: "Authorization: Bearer \(carol.token)\r\n")]
            Thread.sleep(forTimeInterval: 0.3)
            for request in waiting + upgrades { #expect(!request.answered, "\(request.path) answered with every reader held") }
            // The loop that holds those requests delivers on: post -> event at the other member, well
            // within the readers' hold (until released below, past every bound here). Not a latency
            // bound: a loaded host can take a second over a post.
            for round in 0..<5 {
                let started = monotonicSeconds()
                try alice.ok("turn.post", ["session": "s-live", "content": .string("while readers are held \(round)")])
                let event = bob.nextEvent(named: "turn", timeout: 20 * testTimeScale)
                #expect(event?["content"]?.stringValue == "while readers are held \(round)")
                #expect(monotonicSeconds() - started < 10 * testTimeScale, "post -> delivery took \(monotonicSeconds() - started) s")
            }
            for request in waiting + upgrades { #expect(!request.answered, "\(request.path) answered with every reader held") }

            readers.release()
            for request in upgrades {
                let head = request.firstBytes()
                #expect(head.hasPrefix("HTTP/1.1 101"), "\(request.path): \(head)")
                #expect(head.contains("Sec-WebSocket-Protocol: tandem.v1"))
            }
            let page = waiting[0].answer()
            #expect(page.hasPrefix("HTTP/1.1 200"), "\(page.prefix(200))")
            #expect(page.contains("Content-Security-Policy: default-src 'none'; script-src 'nonce-"))
            #expect(page.contains("Cache-Control: no-store"))
            #expect(page.contains("</html>"))
        }

        @Test("no reader within http-read-wait: the viewer page and a viewer's handshake answer 503 busy, /healthz and /metrics 200; all well again once readers free up")
        func boundedWaitForAReader() throws {
            let harness = try TestServer {
                $0.loops = 1
                $0.httpReadWaitSeconds = 0.2
            }
            defer { harness.stop() }
            let (_, bob, secret) = try Self.liveSessionWithLink(harness)
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            defer { readers.release() }

            // The readers are held until released below: a page that waited for one would never
            // answer. Within 10 s (not a latency bound: a loaded host takes its time).
            let started = monotonicSeconds()
            let health = try PendingGet("/healthz", port: harness.port).answer(timeout: 30 * testTimeScale)
            #expect(health.hasPrefix("HTTP/1.1 200"), "the health check reads on its own connection: \(health)")
            let page = try PendingGet("/s/\(secret)", port: harness.port).answer(timeout: 30 * testTimeScale)
            #expect(page.hasPrefix("HTTP/1.1 503"), "\(page)")
            #expect(page.hasSuffix("busy: no database reader came free within 200 ms\n"))
            #expect(monotonicSeconds() - started < 10 * testTimeScale, "answered after \(monotonicSeconds() - started) s")
            let metrics = try PendingGet("/metrics", port: harness.port).answer()
            #expect(metrics.hasPrefix("HTTP/1.1 200"), "\(metrics.prefix(200))")
            #expect(metrics.contains("tandem_store_deletes_pending "))
            let viewerSocket = try PendingGet("/s/\(secret)", port: harness.port, upgrade: true).answer()
            #expect(viewerSocket.hasPrefix("HTTP/1.1 503"), "\(viewerSocket)")
            #expect(viewerSocket.hasSuffix("busy: no database reader came free within 200 ms\n"))
            #expect(harness.server.metrics.authFailures.value == 0, "busy says nothing about the secret: no failed authentication")
            _ = bob

            readers.release()
            #expect(try PendingGet("/healthz", port: harness.port).answer().hasPrefix("HTTP/1.1 200"))
            #expect(try PendingGet("/s/\(secret)", port: harness.port).answer().hasPrefix("HTTP/1.1 200"))
            #expect(try PendingGet("/s/\(secret)", port: harness.port, upgrade: true).firstBytes().hasPrefix("HTTP/1.1 101"))
        }

        /// Alice (owner) and Bob (write) joined to `s-live`, and a share link to it: everything that
        /// reads the database at connect and join is done before the readers are taken.
        static func liveSessionWithLink(_ harness: TestServer) throws -> (TandemTestClient, TandemTestClient, String) {
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-live", owner: alice, members: [(bob, .write)])
            let secret = try harness.store.createShareLink(session: "s-live", actor: alice.id, expiresAt: nil).secret
            let aliceClient = try harness.connect(alice)
            let bobClient = try harness.connect(bob)
            try aliceClient.ok("session.join", ["session": "s-live"])
            try bobClient.ok("session.join", ["session": "s-live"])
            _ = bobClient.takeBufferedEvents()
            return (aliceClient, bobClient, secret)
        }
    }
}

/// Every database reader of `store` checked out by a thread of its own, each in a read
/// transaction, until `release` (long exports and searches hold readers the same way).
final class HeldReaders: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let holders: [Parallel.Background]
    private let count: Int
    private let released = Locked(false)

    init(_ store: Store, count: Int) throws {
        self.count = count
        let held = Locked(0)
        let gate = self.gate
        holders = (0..<count).map { _ in
            Parallel.start {
                try store.read { (_: Database) throws(StoreError) in
                    held.withLock { $0 += 1 }
                    gate.wait()
                }
            }
        }
        guard eventually(timeout: 5, { held.value == count }) else { throw TestFailure("only \(held.value) of \(count) readers taken") }
    }

    func release() {
        guard released.withLock({ (done: inout Bool) -> Bool in defer { done = true }; return !done }) else { return }
        for _ in 0..<count { gate.signal() }
        for holder in holders { try? holder.wait(timeout: 5) }
    }
}

/// A GET sent now on a socket of its own, whose answer is read later.
final class PendingGet {
    let path: String
    private let fd: Int32

    /// - Parameter upgrade: ask for a `tandem.v1` WebSocket, with `headers` (a credential).
    init(_ path: String, port: UInt16, upgrade: Bool = false, headers: String = "") throws {
        self.path = path
        fd = try RawSocket.connect(port: port)
        let connection = upgrade
            ? "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tandem.v1\r\n"
            : "Connection: close\r\n"
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(connection)\(headers)\r\n".utf8)
        // Safe: the buffer outlives the call and its count is passed with it.
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    deinit { close(fd) }

    /// Whether any byte of the answer has arrived (or the server closed).
    var answered: Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    /// What has arrived once something has (at most `timeout` seconds): the head of a 101.
    func firstBytes(timeout: Double = 10) -> String {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return "" }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    /// The whole answer, read until the server closes (at most `timeout` seconds).
    func answer(timeout: Double = 10) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32((deadline - monotonicSeconds()) * 1000) + 1) > 0 else { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
