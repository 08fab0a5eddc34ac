import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, `session.search`: a search's cost grows with every session's turns, not the
    /// caller's, so searches are served a few at a time (`search-concurrency`) and one per user.
    /// Before, a user in no session sent a dozen broad prefix searches and held every work thread.
    @Suite("Search concurrency") struct SearchConcurrencyTests {
        @Test("one search per user at a time, search-concurrency server-wide; other requests go on")
        func searchesAreServedAFewAtATime() throws {
            let harness = try TestServer { $0.searchConcurrency = 1 }
            defer { harness.stop() }
            let bob = try harness.user("bob")
            let eve = try harness.user("eve")
            let carol = try harness.user("carol")
            try harness.session("s-big", owner: bob, members: [])
            // Many distinct words: `w*` makes the index merge them all, and eve, a member of
            // nothing, has every match walked and filtered out.
            for batch in 0..<40 {
                _ = try harness.store.appendTurns(session: "s-big", actor: "bob", (0..<1000).map { n in
                    NewTurn(role: .user, content: "w\(batch)x\(n) wa\(n)b\(batch) wo\(batch * 1000 + n)rd")
                })
            }
            try harness.store.catchUpSearchIndex()
            let eveClient = try harness.connect(eve, label: "eve")
            let others = try (0..<4).map { n in try harness.connect(harness.user("user\(n)"), label: "user\(n)") }
            let watcher = try harness.connect(bob, label: "bob")
            // Eve sends ten at once on one connection (each request goes to the work pool on its own).
            let eveIDs = try (0..<10).map { _ in try eveClient.send("session.search", ["query": "w* OR wa* OR wo*"]) }
            // Four other users at once: with search-concurrency 1, not all of them are served together.
            let otherIDs = try others.map { try $0.send("session.search", ["query": "w* OR wa* OR wo*"]) }
            // Everyone else's requests are served meanwhile.
            #expect(try watcher.ok("history", ["session": "s-big", "last": 5])["turns"]?.arrayValue?.count == 5)
            let eveAnswers = try eveIDs.map { try eveClient.response(to: $0, timeout: 60) }
            let otherAnswers = try zip(others, otherIDs).map { try $0.response(to: $1, timeout: 60) }
            let eveServed = eveAnswers.filter { $0["ok"] == true }
            let eveLimited = eveAnswers.filter { $0["error"]?["code"] == "rate_limited" }
            #expect(!eveServed.isEmpty && !eveLimited.isEmpty && eveServed.count + eveLimited.count == 10, "\(eveAnswers)")
            #expect(eveServed.allSatisfy { (try? $0["result"]?.array("hits").isEmpty) == true }, "eve is in no session")
            #expect(eveLimited.allSatisfy { $0["error"]?["retry_after_ms"] == 500 })
            let unavailable = (eveAnswers + otherAnswers).filter { $0["error"]?["code"] == "unavailable" }
            #expect(!unavailable.isEmpty, "\(otherAnswers)")
            #expect(unavailable.allSatisfy { $0["error"]?["message"]?.stringValue?.contains("search-concurrency") == true })
            #expect((eveAnswers + otherAnswers).allSatisfy { $0["ok"] == true || $0["error"]?["retry_after_ms"] == 500 })
            // Once they have answered, the next search is served.
            #expect(try eveClient.ok("session.search", ["query": "w1x1"], timeout: 60)["hits"]?.arrayValue?.isEmpty == true)
            #expect(try watcher.ok("session.search", ["query": "w1x1"], timeout: 60)["hits"]?.arrayValue?.count == 1)
        }
    }
}
