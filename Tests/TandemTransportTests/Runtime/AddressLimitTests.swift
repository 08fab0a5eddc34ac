import Foundation
import Testing
@testable import TandemTransport

/// `maxConnectionsPerAddress`: one address that reopens silent sockets faster than the stale sweep
/// closes them could take every place of `maxConnections`. Real sockets on loopback, client hosts
/// played by source addresses in 127/8.
@Suite("Runtime: connections per address")
struct AddressLimitTests {
    // Safe: its only state, `_refused`, is read and written under `lock`.
    final class RefusalLog: WebSocketApplication, @unchecked Sendable {
        private let lock = NSLock()
        private var _refused: [(status: Int, peer: String)] = []
        var refused: [(status: Int, peer: String)] { lock.withLock { _refused } }
        func refusedUpgrade(_ request: HTTPRequest, error: HTTPError, peer: String) {
            lock.withLock { _refused.append((error.status, peer)) }
        }
        func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
            if case .text(let bytes) = message { connection.send(text: String(decoding: bytes, as: UTF8.self)) }
        }
    }

    @Test func anAddressPastItsShareGets429BeforeAnyUpgradeWorkAndOthersGetIn() throws {
        let app = RefusalLog()
        let server = try TestServer({
            $0.loopCount = 2
            $0.maxConnections = 100
            $0.handshakeTimeout = 30
            $0.maxConnectionsPerAddress = 3
        }, application: app)
        defer { server.stop() }
        let transport = server.server
        var held = try (0..<3).map { _ in try RawSocket(port: server.port, from: "127.0.0.2") }
        #expect(eventually { transport.connectionCount == 3 })
        // The fourth from that address: 429 with Retry-After, whatever it asks (an upgrade here).
        let fourth = try RawSocket(port: server.port, from: "127.0.0.2")
        fourth.send(upgradeRequest())
        let answer = String(decoding: fourth.readAll(timeout: 5), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 429"), "\(answer)")
        #expect(answer.contains("Retry-After: 5\r\n"))
        #expect(answer.contains("too many connections from your address (at most 3)"))
        #expect(transport.connectionCount == 3, "a refused connection holds no place")
        #expect(transport.connectionsRefusedPerAddress == 1)
        // Told to the application (tandemd logs it through its refusal throttle), with the peer.
        #expect(eventually { app.refused.count == 1 })
        #expect(app.refused.first?.status == 429 && app.refused.first?.peer.hasPrefix("127.0.0.2:") == true)
        // Another address is not held to 127.0.0.2's count.
        let other = try RawSocket(port: server.port, from: "127.0.0.3")
        other.send(upgradeRequest())
        #expect(other.read(until: "\r\n\r\n", timeout: 10 * testTimeScale).hasPrefix("HTTP/1.1 101"))
        // One of the three gone: the address may connect again.
        held.removeFirst()
        #expect(eventually { transport.connectionCount == 3 })
        let again = try RawSocket(port: server.port, from: "127.0.0.2")
        again.send(upgradeRequest())
        #expect(again.read(until: "\r\n\r\n", timeout: 10 * testTimeScale).hasPrefix("HTTP/1.1 101"))
        withExtendedLifetime(held) {}
    }

    /// Silent sockets past the limit are kept (to be told 429) up to 16 per address; past those they
    /// are closed right after accept, so reopening them as fast as one can costs the server nothing.
    @Test func pastTheRefusalsKeptPerAddressNewConnectionsAreClosedAtOnce() throws {
        let server = try TestServer({
            $0.loopCount = 1
            $0.handshakeTimeout = 120 * testTimeScale
            $0.staleHandshakeAge = 120 * testTimeScale
            $0.maxConnectionsPerAddress = 2
        }, application: RefusalLog())
        defer { server.stop() }
        let transport = server.server
        let held = try (0..<2).map { _ in try RawSocket(port: server.port, from: "127.0.0.4") }
        let refused = try (0..<AddressLimit(limit: 2).refusalsPerAddress).map { _ in try RawSocket(port: server.port, from: "127.0.0.4") }
        #expect(eventually { transport.connectionsRefusedPerAddress == 16 })
        let started = Date()
        let dropped = try RawSocket(port: server.port, from: "127.0.0.4")
        // Kept, it would wait for its handshake timeout (120 s) and the read out its 30 s: the 10 s
        // bound is a backstop, not a latency bound.
        #expect(dropped.readAll(timeout: 30 * testTimeScale).isEmpty)
        #expect(Date().timeIntervalSince(started) < 10 * testTimeScale, "closed right after accept")
        #expect(transport.connectionsRefusedPerAddress == 17)
        #expect(transport.connectionCount == 2)
        // The refused ones still get their answer.
        refused[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(refused[0].readStatus() == 429)
        withExtendedLifetime(held) {}
    }

    @Test func theCountIsPerIPv4AddressAndPerIPv6Slash64() {
        var limit = AddressLimit(limit: 2, refusalsPerAddress: 1)
        let a = AddressKey(ipv4: 0x7F00_0002)
        #expect(limit.admit(a) == .admit)
        #expect(limit.admit(a) == .admit)
        #expect(limit.admit(a) == .refuse)
        #expect(limit.admit(a) == .drop)
        limit.release(a, refused: true)
        #expect(limit.admit(a) == .refuse)
        limit.release(a, refused: false)
        #expect(limit.admit(a) == .admit)
        #expect(limit.counts(a) == (2, 1) ? true : false)
        for _ in 0..<2 { limit.release(a, refused: false) }
        limit.release(a, refused: true)
        #expect(limit.addresses == 0, "an address with no connection is forgotten")
        // IPv6: one /64 is one key; the IPv4-mapped form is the IPv4 address.
        let host1: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
        var host2 = host1
        host2[15] = 2
        var otherNet = host1
        otherNet[7] = 2
        #expect(AddressKey(ipv6: host1) == AddressKey(ipv6: host2))
        #expect(AddressKey(ipv6: host1) != AddressKey(ipv6: otherNet))
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 2]
        #expect(AddressKey(ipv6: mapped) == a)
        #expect(AddressKey(ipv6: [UInt8](repeating: 0, count: 16)) != AddressKey(ipv4: 0))
        // 0: no limit at all.
        var off = AddressLimit(limit: 0)
        for _ in 0..<1000 { #expect(off.admit(a) == .admit) }
        #expect(off.addresses == 0)
    }
    @Test func aNamedClientCountsUnderTheKeyOfItsTextAndTakesNoRefusalPlace() {
        // The text a proxy's X-Forwarded-For gives keys the count as the peer address would.
        #expect(AddressKey(host: "127.0.0.2") == AddressKey(ipv4: 0x7F00_0002))
        #expect(AddressKey(host: "::ffff:127.0.0.2") == AddressKey(ipv4: 0x7F00_0002))
        #expect(AddressKey(host: "2001:db8:0:1::1") == AddressKey(host: "2001:db8:0:1:ffff::9"))
        #expect(AddressKey(host: "2001:db8:0:1::1") != AddressKey(host: "2001:db8:0:2::1"))
        for text in ["", "unknown", "127.0.0.2:80", "[::1]", "1.2.3", "example.com"] {
            #expect(AddressKey(host: text) == nil, "\(text)")
        }
        var limit = AddressLimit(limit: 2, refusalsPerAddress: 1)
        let a = AddressKey(host: "198.51.100.7")!
        #expect(limit.admitNamed(a) == true)
        #expect(limit.admit(a) == .admit, "named and direct connections share one count")
        #expect(limit.admitNamed(a) == false)
        #expect(limit.admitNamed(a) == false)
        #expect(limit.counts(a) == (2, 0) ? true : false)
        limit.release(a, refused: false)
        #expect(limit.admitNamed(a) == true)
    }
}
