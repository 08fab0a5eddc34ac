import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// protocol.md, `turn.post` and `contributions`: a turn's token counts are at most 2^48 each, and
    /// a user's totals stop there. Posts with `Int64.max` tokens sent back to back were taken, and
    /// their sum in one group commit overflowed and crashed the server (any write member could).
    @Suite("Token counts") struct TokenCountTests {
        static let most: Int64 = 1 << 48

        @Test("tokens over 2^48 are refused, naming the field; totals stop at 2^48; the server lives on")
        func tokenCountsAreBounded() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-tokens", owner: alice, members: [])
            let client = try harness.connect(alice)
            // Sent without waiting, so that they would share a group commit.
            let ids = try (0..<8).map { _ in
                try client.send("turn.post", ["session": "s-tokens", "content": "x", "tokens": ["input": .integer(Int64.max)]])
            }
            for id in ids {
                let answer = try client.response(to: id)
                #expect(answer["error"]?["code"] == "invalid_argument" && answer["error"]?["field"] == "tokens.input", "\(answer)")
            }
            let posts = try (0..<3).map { _ in
                try client.send("turn.post", ["session": "s-tokens", "content": "y", "tokens": ["input": .integer(Self.most), "output": 5]])
            }
            for id in posts { #expect(try client.response(to: id)["ok"] == true) }
            let rows = try client.ok("contributions", ["session": "s-tokens"]).array("contributions")
            #expect(rows.first?["tokens"] == ["input": .integer(Self.most), "output": 15], "\(rows)")
            #expect(rows.first?["turns"] == 3)
            let document = try client.ok("session.export", ["session": "s-tokens"])["document"] ?? .null
            let copy = try client.ok("session.import", ["document": document, "session": "s-tokens-copy"])
            #expect(copy["session"]?["head_seq"] == 3, "the export imports")
        }
    }
}
