import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// protocol.md, `history`: each selector over a real socket, and `limit` alone.
    @Suite("History selectors") struct HistorySelectorTests {
        @Test("last, since with limit and more, a range, and limit alone as the last that many")
        func selectorsPickTheRightTurns() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-hist", owner: alice, members: [])
            let client = try harness.connect(alice)
            for i in 1...7 { try client.ok("turn.post", ["session": "s-hist", "content": .string("t\(i)")]) }
            func seqs(_ params: [String: JSONValue]) throws -> (seqs: [JSONValue], more: JSONValue?) {
                var all = params
                all["session"] = "s-hist"
                let result = try client.ok("history", all)
                return (try result.array("turns").map { $0["seq"] ?? .null }, result["more"])
            }
            let lastThree = try seqs(["last": 3])
            #expect(lastThree.seqs == [5, 6, 7] && lastThree.more == true)
            #expect(try seqs(["last": 7]).more == false)
            let page = try seqs(["since": 2, "limit": 2])
            #expect(page.seqs == [3, 4] && page.more == true)
            #expect(try seqs(["since": 5, "limit": 5]).more == false)
            #expect(try seqs(["from": 2, "to": 4]).seqs == [2, 3, 4])
            // `limit` without a selector caps the default one: the last two turns, not the last 100.
            #expect(try seqs(["limit": 2]).seqs == [6, 7])
            #expect(try seqs([:]).seqs.count == 7)
            #expect(try client.errorCode("history", ["session": "s-hist", "last": 2, "limit": 2]) == "invalid_argument")

            // Hidden turns never take a place in a page: after two undos the last 3 are 3, 4, 5.
            for _ in 0..<2 { try client.ok("turn.undo", ["session": "s-hist"]) }
            #expect(try seqs(["last": 3]).seqs == [3, 4, 5])
            let sincePage = try seqs(["since": 4, "limit": 1])
            #expect(sincePage.seqs == [5] && sincePage.more == false)
            try client.ok("session.clear", ["session": "s-hist"])
            try client.ok("turn.post", ["session": "s-hist", "content": "t8"])
            #expect(try seqs(["last": 3]).seqs == [8])
            #expect(try seqs(["from": 1, "to": 8, "limit": 1]).seqs == [8])
            // With include_undone, each hidden turn says how it left history.
            let all = try client.ok("history", ["session": "s-hist", "from": 1, "to": 8, "include_undone": true]).array("turns")
            #expect(all.map { $0["state"]?.stringValue ?? "live" }
                    == ["cleared", "cleared", "cleared", "cleared", "cleared", "undone", "undone", "live"])
            #expect(all.dropLast().allSatisfy { $0["undone"] == true })
        }
    }
}
