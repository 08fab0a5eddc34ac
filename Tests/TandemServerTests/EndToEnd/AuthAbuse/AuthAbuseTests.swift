import Foundation
import TandemCrypto
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #6, auth abuse: "brute force of tokens and share secrets is rate-limited per address".
    /// Each test plays several client hosts from different loopback source addresses.
    @Suite("Auth abuse") struct AuthAbuseTests {
        static func guess() -> String { "tdm_" + SecureRandom.token() }

        @Test("token guessing from one address is refused with 429 + Retry-After after the budget; other addresses are unaffected")
        func tokenBruteForceIsThrottledPerAddress() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let port = harness.port

            // The attacker at 127.0.0.2: ten wrong tokens (header and query alike) are plain 401s ...
            for n in 0..<10 {
                let answer = n.isMultiple(of: 2)
                    ? try SourceAddressHandshake.attempt(port: port, from: "127.0.0.2", target: "/ws", headers: [("Authorization", "Bearer \(Self.guess())")])
                    : try SourceAddressHandshake.attempt(port: port, from: "127.0.0.2", target: "/ws?token=\(Self.guess())")
                #expect(answer.status == 401, "guess \(n + 1): \(answer.status)")
            }
            // ... then every attempt is 429 with Retry-After, and no guess is checked any more:
            // not even a right one gets through, so a hit cannot be told from a miss.
            for target in ["/ws?token=\(Self.guess())", "/ws?token=\(alice.token)"] {
                let answer = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.2", target: target)
                #expect(answer.status == 429)
                let retry = try #require(answer.headers["retry-after"].flatMap { Int($0) }, "429 without a numeric Retry-After: \(answer.headers)")
                #expect(retry >= 1 && retry <= 6, "at 10 failures a minute the next attempt is due within 6 s, and Retry-After says so: \(retry)")
            }
            // Someone else at 127.0.0.3 is not affected: a right token upgrades, a wrong one is a 401.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.3", target: "/ws?token=\(alice.token)").status == 101)
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.3", target: "/ws?token=\(Self.guess())").status == 401)
            // The refusals are counted on /metrics.
            let failures = harness.server.metrics.authFailures.value
            #expect(failures == 13, "tandem_auth_failures_total = \(failures)")
        }

        @Test("share-secret guessing (/s/SECRET and ?share=) is throttled the same way; other addresses are unaffected")
        func shareSecretBruteForceIsThrottledPerAddress() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 6 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-share", owner: alice)
            let link = try harness.store.createShareLink(session: "s-share", actor: alice.id,
                                                        expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)
            let port = harness.port
            for n in 0..<6 {
                let target = n.isMultiple(of: 2) ? "/s/\(SecureRandom.token())" : "/ws?share=\(SecureRandom.token())"
                #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: target).status == 401)
            }
            let blocked = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.4", target: "/s/\(link.secret)")
            #expect(blocked.status == 429 && blocked.headers["retry-after"] != nil, "\(blocked)")
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.5", target: "/s/\(link.secret)").status == 101)
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.5", target: "/ws?share=\(link.secret)").status == 101)
        }

        @Test("the viewer page (plain GET /s/SECRET) spends the same budget: it cannot be used to test guesses unthrottled")
        func viewerPageGuessingIsThrottled() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 5 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-page", owner: alice)
            let link = try harness.store.createShareLink(session: "s-page", actor: alice.id,
                                                        expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)
            let port = harness.port
            // A right secret's page is not a failure and spends nothing.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.7", target: "/s/\(link.secret)", upgrade: false).status == 200)
            for _ in 0..<5 {
                #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.7", target: "/s/\(SecureRandom.token())", upgrade: false).status == 404)
            }
            let page = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.7", target: "/s/\(link.secret)", upgrade: false)
            #expect(page.status == 429 && page.headers["retry-after"] != nil, "\(page)")
            // Page guesses and handshake guesses share one budget per address.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.7", target: "/s/\(link.secret)").status == 429)
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.8", target: "/s/\(link.secret)", upgrade: false).status == 200)
            // Other pages (health, metrics) are not credentials and not throttled.
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.7", target: "/healthz", upgrade: false).status == 200)
        }

        @Test("the throttle is a rate, not a lockout: one more attempt per 60/N seconds")
        func throttleRefillsAtTheConfiguredRate() throws {
            let harness = try TestServer { $0.authFailuresPerMinute = 30 }   // one attempt back every 2 s
            defer { harness.stop() }
            let port = harness.port
            var attempts = 0
            var status = 401
            while status == 401 && attempts < 40 {
                status = try SourceAddressHandshake.attempt(port: port, from: "127.0.0.6", target: "/ws?token=\(Self.guess())").status
                attempts += 1
            }
            #expect(status == 429)
            #expect(attempts >= 31 && attempts <= 33, "429 came after \(attempts - 1) failures, budget 30")
            Thread.sleep(forTimeInterval: 2.3)
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.6", target: "/ws?token=\(Self.guess())").status == 401)
            #expect(try SourceAddressHandshake.attempt(port: port, from: "127.0.0.6", target: "/ws?token=\(Self.guess())").status == 429)
        }
    }
}
