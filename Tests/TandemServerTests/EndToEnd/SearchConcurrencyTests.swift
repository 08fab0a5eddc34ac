import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, `session.search`: a search's cost grows with every session's turns, not the
    /// caller's, so searches are served a few at a time (`search-concurrency`) and one per user.
    /// Before, a user in no session sent a dozen broad prefix searches and held every work thread.
    @Suite("Search concurrency") struct SearchConcurrencyTests {
        /// A server with `s-big` (40,000 turns of distinct words, bob's), and users in no session.
        private static func server(searchConcurrency: Int) throws -> (TestServer, TestUser) {
            let harness = try TestServer { $0.searchConcurrency = searchConcurrency }
            let bob = try harness.user("bob")
            try harness.session("s-big", owner: bob, members: [])
            // Many distinct words: `w*` makes the index merge them all, and a user in no session
            // has every match walked and filtered out.
            for batch in 0..<40 {
                _ = try harness.store.appendTurns(session: "s-big", actor: "bob", (0..<1000).map { n in
                    NewTurn(role: .user, content: "w\(batch)x\(n) wa\(n)b\(batch) wo\(batch * 1000 + n)rd")
                })
            }
            try harness.store.catchUpSearchIndex()
            return (harness, bob)
        }

        static let broad: JSONValue = "w* OR wa* OR wo*"

        @Test("one search per user at a time: the rest of a burst is rate_limited; other requests go on")
        func oneSearchPerUser() throws {
            let (harness, bob) = try Self.server(searchConcurrency: 64)
            defer { harness.stop() }
            let eve = try harness.connect(harness.user("eve"), label: "eve")
            let watcher = try harness.connect(bob, label: "bob")
            // Ten at once on one connection (each request goes to the work pool on its own).
            let ids = try (0..<10).map { _ in try eve.send("session.search", ["query": Self.broad]) }
            #expect(try watcher.ok("history", ["session": "s-big", "last": 5])["turns"]?.arrayValue?.count == 5)
            let answers = try ids.map { try eve.response(to: $0, timeout: 60) }
            let served = answers.filter { $0["ok"] == true }
            let limited = answers.filter { $0["error"]?["code"] == "rate_limited" }
            #expect(!served.isEmpty && !limited.isEmpty && served.count + limited.count == 10, "\(answers)")
            #expect(served.allSatisfy { (try? $0["result"]?.array("hits").isEmpty) == true }, "eve is in no session")
            #expect(limited.allSatisfy { $0["error"]?["retry_after_ms"] == 500 })
            // Once they have answered, the next search is served.
            #expect(try eve.ok("session.search", ["query": "w1x1"], timeout: 60)["hits"]?.arrayValue?.isEmpty == true)
            #expect(try watcher.ok("session.search", ["query": "w1x1"], timeout: 60)["hits"]?.arrayValue?.count == 1)
        }

        @Test("search-concurrency server-wide: beyond it unavailable with a retry time")
        func searchConcurrencyServerWide() throws {
            let (harness, _) = try Self.server(searchConcurrency: 1)
            defer { harness.stop() }
            let clients = try (0..<6).map { n in try harness.connect(harness.user("user\(n)"), label: "user\(n)") }
            let ids = try clients.map { try $0.send("session.search", ["query": Self.broad]) }
            let answers = try zip(clients, ids).map { try $0.response(to: $1, timeout: 60) }
            let served = answers.filter { $0["ok"] == true }
            let unavailable = answers.filter { $0["error"]?["code"] == "unavailable" }
            #expect(!served.isEmpty && !unavailable.isEmpty && served.count + unavailable.count == 6, "\(answers)")
            #expect(unavailable.allSatisfy { $0["error"]?["retry_after_ms"] == 500 })
            #expect(unavailable.allSatisfy { $0["error"]?["message"]?.stringValue?.contains("search-concurrency") == true })
        }
    }
}
