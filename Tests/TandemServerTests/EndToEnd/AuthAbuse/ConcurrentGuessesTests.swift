import Foundation
import TandemCrypto
import TandemStore
import Testing

extension EndToEnd {
    /// `auth-failures-per-minute` must hold for guesses sent at once, not only one after another.
    /// The budget was checked when a request arrived and spent only when its lookup had failed, so
    /// every request in flight passed the check: with the lookups slowed (every database reader
    /// held, as exports and searches do), one address had 20 guesses checked on a budget of 5.
    /// A credential lookup now takes its token before it reads, and gives it back when the secret
    /// was good or nothing was learnt (503 busy).
    @Suite("Concurrent guesses") struct ConcurrentGuessesTests {
        @Test("guesses sent at once from one address, while lookups wait for a reader, are checked no more than the budget allows")
        func parallelGuessesSpendTheBudgetUpFront() throws {
            let harness = try TestServer {
                $0.loops = 1
                $0.authFailuresPerMinute = 5
                $0.httpReadWaitSeconds = 30
                $0.handshakeTimeoutSeconds = 30
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-guess", owner: alice)
            let secret = try harness.store.createShareLink(session: "s-guess", actor: alice.id, expiresAt: nil).secret
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            defer { readers.release() }

            // 12 viewer pages and 8 viewer handshakes with wrong secrets, all from 127.0.0.1, all in
            // flight before any lookup can finish.
            let pages = try (0..<12).map { _ in try PendingGet("/s/\(SecureRandom.token())", port: harness.port) }
            let upgrades = try (0..<8).map { _ in try PendingGet("/s/\(SecureRandom.token())", port: harness.port, upgrade: true) }
            Thread.sleep(forTimeInterval: 0.5)
            readers.release()

            let statuses = (pages + upgrades).map { Self.status($0.answer()) }
            let checked = statuses.filter { $0 != 429 }
            #expect(checked.count <= 5, "\(checked.count) of 20 guesses were checked on a budget of 5: \(statuses)")
            #expect(checked.allSatisfy { $0 == 404 || $0 == 401 }, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count >= 15, "\(statuses)")

            // From another address the real secret still opens the page and the socket: a good
            // secret spends nothing.
            for _ in 0..<8 {
                #expect(try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.12", target: "/s/\(secret)", upgrade: false).status == 200)
                #expect(try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.12", target: "/s/\(secret)").status == 101)
            }
            #expect(try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.12", target: "/s/\(SecureRandom.token())", upgrade: false).status == 404)
        }

        @Test("a busy lookup (503) gives its token back: it said nothing about the secret")
        func busyLookupsSpendNothing() throws {
            let harness = try TestServer {
                $0.loops = 1
                $0.authFailuresPerMinute = 2
                $0.httpReadWaitSeconds = 0.2
            }
            defer { harness.stop() }
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            for _ in 0..<4 {
                #expect(Self.status(try PendingGet("/s/\(SecureRandom.token())", port: harness.port).answer()) == 503)
                #expect(Self.status(try PendingGet("/s/\(SecureRandom.token())", port: harness.port, upgrade: true).answer()) == 503)
            }
            readers.release()
            #expect(Self.status(try PendingGet("/s/\(SecureRandom.token())", port: harness.port).answer()) == 404)
            #expect(Self.status(try PendingGet("/s/\(SecureRandom.token())", port: harness.port).answer()) == 404)
            #expect(Self.status(try PendingGet("/s/\(SecureRandom.token())", port: harness.port).answer()) == 429)
        }

        @Test("a throttled address looping on viewer pages writes the refusal throttle's ten lines, not one a request")
        func viewerPageRefusalsAreLoggedThroughTheThrottle() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.authFailuresPerMinute = 2 }
            defer { harness.stop() }
            for n in 0..<42 {
                let answer = try SourceAddressHandshake.attempt(port: harness.port, from: "127.0.0.13",
                                                                target: "/s/\(SecureRandom.token())", upgrade: false)
                #expect(answer.status == (n < 2 ? 404 : 429), "page \(n + 1): \(answer.status)")
            }
            let lines = log.all.filter { $0.message == "viewer page refused" }
            #expect(lines.count == 10, "\(lines.count) lines for 42 refused pages: \(lines.prefix(3).map(\.metadata))")
            #expect(lines.first?.metadata["status"] == "404")
            #expect(lines.first?.metadata["path"] == "/s/<redacted>")
            #expect(lines.dropFirst(2).first?.metadata["status"] == "429")
            #expect(lines.allSatisfy { $0.metadata["client"] == "127.0.0.13" })
        }

        static func status(_ answer: String) -> Int {
            let parts = answer.prefix { $0 != "\r" }.split(separator: " ")
            return parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
        }
    }
}
