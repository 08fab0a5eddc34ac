import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `max-connections-per-address` behind a trusted proxy: the proxy itself is not held to it
    /// (every client comes through it), but the client its `X-Forwarded-For` names is, keyed as a
    /// direct client is, from its request until its connection closes. Without this one client
    /// behind nginx could take every place of max-connections.
    @Suite("Connections per forwarded client") struct ForwardedClientLimitTests {
        static let proxy = "127.0.0.4"

        /// An upgrade through the proxy for the client `forwardedFor` names; the socket stays open.
        static func upgrade(_ harness: TestServer, _ token: String, forwardedFor: String) throws -> (fd: Int32, status: Int, retryAfter: String?) {
            let (fd, answer) = try SourceAddressHandshake.open(port: harness.port, from: proxy, target: "/ws?token=\(token)",
                                                               headers: [("X-Forwarded-For", forwardedFor)])
            return (fd, answer.status, answer.headers["retry-after"])
        }

        @Test("past its share a forwarded client gets 429 (logged under its address, counted), another client behind the proxy still gets in, a close frees a place")
        func aForwardedClientPastItsShareIsRefused() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.maxConnectionsPerAddress = 3; $0.trustedProxies = [Self.proxy] }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            for _ in 0..<3 {
                let opened = try Self.upgrade(harness, alice.token, forwardedFor: "198.51.100.7")
                held.append(opened.fd)
                #expect(opened.status == 101)
            }
            // The fourth for that client: 429 with Retry-After, before its credential is read.
            let fourth = try Self.upgrade(harness, alice.token, forwardedFor: "198.51.100.7")
            close(fourth.fd)
            #expect(fourth.status == 429)
            #expect(fourth.retryAfter == "5")
            // Whatever it asks: a plain page too.
            #expect(try SourceAddressHandshake.attempt(port: harness.port, from: Self.proxy, target: "/healthz",
                                                      headers: [("X-Forwarded-For", "198.51.100.7")], upgrade: false).status == 429)
            // A forged left-most entry does not buy a fresh key: the client is the right-most untrusted one.
            let forged = try Self.upgrade(harness, alice.token, forwardedFor: "10.9.9.9, 198.51.100.7")
            close(forged.fd)
            #expect(forged.status == 429)
            // Another client behind the same proxy still gets in.
            let other = try Self.upgrade(harness, alice.token, forwardedFor: "198.51.100.8")
            held.append(other.fd)
            #expect(other.status == 101)
            // Logged under the forwarded client, with the same reason as a direct one.
            let lines = log.all.filter { $0.message == "handshake refused" && $0.metadata["status"] == "429" }
            #expect(lines.count == 3, "\(lines.map(\.metadata))")
            #expect(lines.allSatisfy { $0.metadata["client"] == "198.51.100.7" })
            #expect(lines.first?.metadata["reason"] == "more than 3 connections from this address")
            // Counted in the same metric as direct refusals (mirrored once a second).
            #expect(eventually(timeout: 5, every: 0.1) {
                (try? RawSocket.get("/metrics", port: harness.port))?.contains("tandem_connections_refused_per_address_total 3") == true
            })
            // A close gives the client's place back.
            close(held.removeFirst())
            #expect(eventually(timeout: 5, every: 0.05) {
                guard let again = try? Self.upgrade(harness, alice.token, forwardedFor: "198.51.100.7") else { return false }
                if again.status == 101 { held.append(again.fd) } else { close(again.fd) }
                return again.status == 101
            })
        }

        @Test("an IPv6 client behind the proxy counts by its /64, and a request that names no client is not counted")
        func ipv6ClientsCountByTheirSlash64() throws {
            let harness = try TestServer { $0.maxConnectionsPerAddress = 2; $0.trustedProxies = [Self.proxy] }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            for n in 1...2 {
                let opened = try Self.upgrade(harness, alice.token, forwardedFor: "2001:db8:1:2::\(n)")
                held.append(opened.fd)
                #expect(opened.status == 101)
            }
            let sameNetwork = try Self.upgrade(harness, alice.token, forwardedFor: "2001:db8:1:2:ffff:1234:5678:9abc")
            close(sameNetwork.fd)
            #expect(sameNetwork.status == 429)
            let otherNetwork = try Self.upgrade(harness, alice.token, forwardedFor: "2001:db8:1:3::1")
            held.append(otherNetwork.fd)
            #expect(otherNetwork.status == 101)
            // The proxy's own requests (no client named) are not held to any client's share.
            for _ in 0..<3 {
                let (fd, answer) = try SourceAddressHandshake.open(port: harness.port, from: Self.proxy, target: "/ws?token=\(alice.token)")
                held.append(fd)
                #expect(answer.status == 101)
            }
        }
    }
}
