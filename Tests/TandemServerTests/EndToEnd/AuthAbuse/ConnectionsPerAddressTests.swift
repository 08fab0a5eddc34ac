import Foundation
@testable import TandemServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `max-connections-per-address`: one address that reopens silent sockets faster than
    /// stale-handshake closes them cannot take every place; past its share it is told 429 before its
    /// credential is read, and the refusals are logged through the refusal throttle.
    @Suite("Connections per address") struct ConnectionsPerAddressTests {
        @Test("past its share an address gets 429 (logged, throttled) and another address still gets in")
        func anAddressPastItsShareIsRefused() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.maxConnectionsPerAddress = 3 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let silent = try (0..<3).map { _ in try RawSocket.connect(port: harness.port) }
            defer { silent.forEach { close($0) } }
            // Counted once the server has accepted them (not when connect returns: the kernel's backlog).
            #expect(eventually(timeout: 10) { harness.server.transport.connectionCount == 3 })
            for _ in 0..<12 {
                let answer = try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.1", target: "/ws?token=\(alice.token)")
                #expect(answer.status == 429)
                #expect(answer.headers["retry-after"] == "5")
            }
            #expect(try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.9", target: "/ws?token=\(alice.token)").status == 101)
            // Ten lines for twelve refusals (the throttle's share per address and window).
            let lines = log.all.filter { $0.message == "handshake refused" && $0.metadata["status"] == "429" }
            #expect(lines.count == 10, "\(lines.map(\.metadata))")
            #expect(lines.first?.metadata["reason"] == "more than 3 connections from this address")
            #expect(lines.first?.metadata["client"] == "127.0.0.1")
            // The silent ones were never refused: they hold their places.
            #expect(silent.allSatisfy { !RawSocket.peerClosed($0) })
        }

        @Test("a trusted proxy is not held to it: every client behind it comes from its address")
        func aTrustedProxyIsExempt() throws {
            let harness = try TestServer { $0.maxConnectionsPerAddress = 2; $0.trustedProxies = ["127.0.0.1"] }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let silent = try (0..<3).map { _ in try RawSocket.connect(port: harness.port) }
            defer { silent.forEach { close($0) } }
            #expect(eventually(timeout: 10) { harness.server.transport.connectionCount == 3 })
            let answer = try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.1", target: "/ws?token=\(alice.token)",
                                                            headers: [("X-Forwarded-For", "198.51.100.20")])
            #expect(answer.status == 101, "the proxy's fourth connection was held to the limit")
        }
    }
}
