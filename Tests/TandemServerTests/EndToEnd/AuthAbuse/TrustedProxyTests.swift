import Foundation
import TandemCrypto
import Testing

extension EndToEnd {
    /// Behind a reverse proxy (`--trusted-proxies`), failed authentications count per client named
    /// in X-Forwarded-For, not per proxy; an untrusted peer cannot pick its address with the header.
    @Suite("Trusted proxies") struct TrustedProxyTests {
        static func guess() -> String { "tdm_" + SecureRandom.token() }

        @Test("through a trusted proxy, one guessing client is throttled and the others behind it are not")
        func throttlesTheForwardedClient() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 5; $0.trustedProxies = ["127.0.0.4"] }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let port = harness.port
            // The proxy at 127.0.0.4 forwards a guesser at 198.51.100.7 ...
            for _ in 0..<5 {
                let answer = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(Self.guess())",
                                                               headers: [("X-Forwarded-For", "198.51.100.7")])
                #expect(answer.status == 401)
            }
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(Self.guess())",
                                                      headers: [("X-Forwarded-For", "198.51.100.7")]).status == 429)
            // ... a forged left-most entry does not get the guesser a fresh budget ...
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(Self.guess())",
                                                      headers: [("X-Forwarded-For", "10.9.9.9, 198.51.100.7")]).status == 429)
            // ... while another client behind the same proxy still gets in.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(alice.token)",
                                                      headers: [("X-Forwarded-For", "198.51.100.8")]).status == 101)
        }

        @Test("an untrusted peer is counted by its own address whatever X-Forwarded-For it sends")
        func untrustedPeersCannotChooseTheirAddress() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 5; $0.trustedProxies = ["127.0.0.4"] }
            defer { harness.stop() }
            let port = harness.port
            for n in 0..<5 {
                let answer = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.5", target: "/ws?token=\(Self.guess())",
                                                               headers: [("X-Forwarded-For", "203.0.113.\(n)")])
                #expect(answer.status == 401)
            }
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.5", target: "/ws?token=\(Self.guess())",
                                                      headers: [("X-Forwarded-For", "203.0.113.99")]).status == 429)
        }
        @Test("an IPv6 client is throttled by its /64: changing the low 64 bits buys no fresh budget")
        func ipv6ClientsCountByTheirSlash64() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 5; $0.trustedProxies = ["127.0.0.4"] }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let port = harness.port
            // Each guess from another address of 2001:db8:1:2::/64 (one host is given the whole /64).
            for n in 1...5 {
                let answer = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(Self.guess())",
                                                               headers: [("X-Forwarded-For", "2001:db8:1:2::\(n)")])
                #expect(answer.status == 401)
            }
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(Self.guess())",
                                                      headers: [("X-Forwarded-For", "2001:db8:1:2:ffff:1234:5678:9abc")]).status == 429)
            // Another /64 has its own budget.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/ws?token=\(alice.token)",
                                                      headers: [("X-Forwarded-For", "2001:db8:1:3::1")]).status == 101)
        }
    }
}
