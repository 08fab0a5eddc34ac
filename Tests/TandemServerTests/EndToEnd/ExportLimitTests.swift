import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, `session.export`: the document answered over the wire is bounded by `max-export`.
    @Suite("Export limit") struct ExportLimitTests {
        @Test("an export over max-export is too_large and names the setting; the connection stays usable")
        func exportOverTheLimitIsRefused() throws {
            let harness = try TestServer { $0.maxExportBytes = 64 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-small", owner: alice, members: [])
            try harness.session("s-big", owner: alice, members: [])
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s-small", "content": "short"])
            let body = String(repeating: "x", count: 10 << 10)
            for _ in 0..<8 { try client.ok("turn.post", ["session": "s-big", "content": .string(body)]) }
            let refused = try client.request("session.export", ["session": "s-big"])
            #expect(refused["error"]?["code"] == "too_large")
            #expect(refused["error"]?["message"]?.stringValue?.contains("max-export") == true)
            let small = try client.ok("session.export", ["session": "s-small"])
            #expect(try small["document"]?.array("turns").count == 1)
            // Under the limit, the same big session exports once it fits: a limit, not a failure.
            let roomy = try TestServer { $0.maxExportBytes = 1 << 20 }
            defer { roomy.stop() }
            let bob = try roomy.user("bob")
            try roomy.session("s-big", owner: bob, members: [])
            let other = try roomy.connect(bob)
            for _ in 0..<8 { try other.ok("turn.post", ["session": "s-big", "content": .string(body)]) }
            let whole = try other.ok("session.export", ["session": "s-big"])
            #expect(try whole["document"]?.array("turns").count == 8)
        }

        @Test("an answered export has given its place back: exports sent one after another, each on the last one's answer, are all served")
        func exportsOneAfterAnotherAreServed() throws {
            // The place was given back only after the answer had been sent, so a client quick to ask
            // again could find it still taken (seen as `unavailable` in the upgrade fixture test).
            let harness = try TestServer { $0.exportConcurrency = 1 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-small", owner: alice, members: [])
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s-small", "content": "one turn"])
            var refused: [String] = []
            for _ in 0..<300 {
                let answer = try client.request("session.export", ["session": "s-small"])
                if answer["ok"] != true { refused.append("\(answer)") }
            }
            #expect(refused.count == 0, "\(refused.count) of 300 refused, first: \(refused.first ?? "")")
        }

        @Test("exports beyond export-concurrency get unavailable with a retry time; other requests go on")
        func exportsAreServedAFewAtATime() throws {
            let harness = try TestServer { $0.exportConcurrency = 1; $0.maxExportBytes = 64 << 20 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-long", owner: alice, members: [])
            let line = String(repeating: "a long turn to export ", count: 6)
            for _ in 0..<20 {
                _ = try harness.store.appendTurns(session: "s-long", actor: "alice",
                                                  (0..<1000).map { _ in NewTurn(role: .user, content: line) })
            }
            let first = try harness.connect(alice, label: "first")
            let second = try harness.connect(alice, label: "second")
            let third = try harness.connect(alice, label: "third")
            let firstID = try first.send("session.export", ["session": "s-long"])
            Thread.sleep(forTimeInterval: 0.05) // one export has started (each takes far longer)
            let secondID = try second.send("session.export", ["session": "s-long"])
            // Everyone else's requests are served meanwhile.
            #expect(try third.ok("history", ["session": "s-long", "last": 5])["turns"]?.arrayValue?.count == 5)
            let answers = [(first, try first.response(to: firstID, timeout: 60)), (second, try second.response(to: secondID, timeout: 60))]
            let refused = answers.filter { $0.1["ok"] == false }
            let served = answers.filter { $0.1["ok"] == true }
            // Normally the second is refused; under load the second may have overtaken the first.
            #expect(refused.count == 1 && served.count == 1, "\(answers.map(\.1))")
            guard let (retrying, refusal) = refused.first, let (_, answer) = served.first else { return }
            #expect(refusal["error"]?["code"] == "unavailable", "\(refusal)")
            #expect(refusal["error"]?["retry_after_ms"] == 1000)
            #expect(refusal["error"]?["message"]?.stringValue?.contains("export-concurrency") == true)
            #expect(try answer["result"]?["document"]?.array("turns").count == 20_000)
            // Once it is done, the next export is served.
            let retried = try retrying.ok("session.export", ["session": "s-long"], timeout: 60)
            #expect(try retried["document"]?.array("turns").count == 20_000)
        }
    }
}
