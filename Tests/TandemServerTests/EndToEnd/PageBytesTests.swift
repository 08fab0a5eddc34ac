import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `max-page-bytes`: no `history`, `state.get` or join answer holds more than a page of turns or rows
    /// (one always goes); the rest comes page by page. A `state.get` of 400 rows of 260 KB was one
    /// 104 MB answer, and six at once took tandemd to 2 GB.
    @Suite("Page bytes") struct PageBytesTests {
        static let turnBytes = 20_000

        func server() throws -> (TestServer, TandemTestClient) {
            let harness = try TestServer { $0.maxPageBytes = 64 << 10 }
            let alice = try harness.user("alice")
            try harness.session("s-big", owner: alice)
            let client = try harness.connect(alice)
            let text = String(repeating: "x", count: Self.turnBytes)
            for n in 1...10 {
                try client.ok("turn.post", ["session": "s-big", "content": .string("\(n) \(text)")])
                try client.ok("state.put", ["session": "s-big", "key": .string(String(format: "k%02d", n)), "value": .string(text), "base": 0])
            }
            return (harness, client)
        }

        @Test func historyPagesStopAtThePageBytes() throws {
            let (harness, client) = try server()
            defer { harness.stop() }
            let last = try client.ok("history", ["session": "s-big", "last": 10])
            let newest = try last.array("turns").map { try $0.int("seq") }
            #expect(newest.count == 3 && newest.last == 10 && last["more"] == true, "\(newest)")
            var seen: [Int64] = []
            var since: Int64 = 0
            while true {
                let page = try client.ok("history", ["session": "s-big", "since": .integer(since), "limit": 100])
                let seqs = try page.array("turns").map { try $0.int("seq") }
                #expect(!seqs.isEmpty && seqs.count <= 3)
                seen += seqs
                since = seqs.last ?? since
                if page["more"] != true { break }
            }
            #expect(seen == Array(1...10))
        }

        @Test func stateComesInPagesByKey() throws {
            let (harness, client) = try server()
            defer { harness.stop() }
            var keys: [String] = []
            var after: JSONValue = .null
            while true {
                var params: [String: JSONValue] = ["session": "s-big"]
                if after != .null { params["after"] = after }
                let page = try client.ok("state.get", params)
                let rows = try page.array("rows").map { try $0.string("key") }
                #expect(!rows.isEmpty && rows.count <= 3)
                keys += rows
                after = .string(rows.last ?? "")
                if page["more"] != true { break }
            }
            #expect(keys == (1...10).map { String(format: "k%02d", $0) })
            let limited = try client.ok("state.get", ["session": "s-big", "limit": 2])
            #expect(try limited.array("rows").count == 2 && limited["more"] == true)
            let one = try client.ok("state.get", ["session": "s-big", "key": "k07"])
            #expect(try one.array("rows").count == 1 && one["more"] == false)

            let join = try client.ok("session.join", ["session": "s-big", "state": true, "last": 10])
            #expect(try join.array("state").count == 3 && join["state_more"] == true)
            #expect(try join.array("turns").count == 3)
        }
    }
}
