import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A request the store fails for a reason of its own (here: a session whose turn counter was
    /// lowered behind the server's back, so the next seq is taken) is answered `internal` under a
    /// reference the log has, and fails alone: posts to other sessions committed in the same batch
    /// go through. Posts used to answer "reference 0", log nothing, and take their batch with them.
    @Suite("Internal failures") struct InternalFailureTests {
        @Test func aFailedPostIsLoggedUnderItsReferenceAndFailsAlone() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log)
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("broken", owner: alice)
            try harness.session("healthy", owner: bob)
            for n in 1...3 { _ = try harness.store.appendTurn(session: "broken", actor: "alice", NewTurn(role: .user, content: "t\(n)")) }
            _ = try harness.store.writer.perform { ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET last_turn_seq = 1 WHERE id = 'broken'")
            }
            let a = try harness.connect(alice)
            let b = try harness.connect(bob)
            // Both pipelined, so that posts of both sessions share commits.
            let aIDs = try (0..<40).map { try a.send("turn.post", ["session": "broken", "content": .string("a\($0)")]) }
            let bIDs = try (0..<40).map { try b.send("turn.post", ["session": "healthy", "content": .string("b\($0)")]) }
            for id in bIDs {
                let answer = try b.response(to: id, timeout: 10)
                #expect(answer["ok"] == .bool(true), "\(answer)")
            }
            var references: [String] = []
            for id in aIDs {
                let answer = try a.response(to: id, timeout: 10)
                #expect(answer["error"]?["code"] == "internal", "\(answer)")
                let message = answer["error"]?["message"]?.stringValue ?? ""
                guard let open = message.range(of: "(reference "), let close = message.range(of: ")", range: open.upperBound..<message.endIndex) else {
                    Issue.record("no reference in \(message)")
                    continue
                }
                references.append(String(message[open.upperBound..<close.lowerBound]))
            }
            #expect(Set(references).count == references.count && !references.contains("0"), "\(references)")
            let logged = log.all.filter { $0.level == .error && $0.message == "request failed" }
            #expect(logged.count == references.count)
            #expect(Set(logged.compactMap { $0.metadata["reference"] }) == Set(references))
            #expect(logged.allSatisfy { $0.metadata["op"] == "turn.post" })
            #expect(try harness.store.session(id: "healthy", actor: "bob").lastTurnSeq == 40)
        }
    }
}
