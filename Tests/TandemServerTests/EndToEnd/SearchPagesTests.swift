import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `session.search` over the wire, a page at a time with `next_cursor`: title matches newest
    /// session first, then turns; sessions created between pages neither repeat nor skip a hit.
    @Suite("Search pages") struct SearchPagesTests {
        @Test func pagesNeitherRepeatNorSkipWhileSessionsAreCreated() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let client = try harness.connect(alice)
            var created: [String] = []
            for n in 0..<9 {
                let title = "iris" + String(repeating: " petal", count: n % 3)
                created.append(try client.ok("session.create", ["title": .string(title)]).object("session").string("id"))
            }
            try client.ok("turn.post", ["session": .string(created[0]), "content": "an iris in bloom"])
            var seen: [String] = []
            var params: [String: JSONValue] = ["query": "iris", "limit": 2]
            for extra in 0..<20 {
                let page = try client.ok("session.search", params)
                seen += try page.array("hits").map { hit in
                    let id = try hit.object("session").string("id")
                    return hit["seq"]?.intValue.map { "\(id)#\($0)" } ?? id
                }
                guard let next = page["next_cursor"] else { break }
                params["cursor"] = next
                // Between pages: a new session whose title matches best of all.
                _ = try client.ok("session.create", ["title": .string("iris iris iris \(extra)")])
            }
            #expect(seen == created.reversed() + ["\(created[0])#1"], "\(seen)")
            // A count cursor of an earlier server is still taken.
            let old = try client.ok("session.search", ["query": "iris petal", "cursor": "T1", "limit": 1])
            #expect(try old.array("hits").map { try $0.object("session").string("id") } == [created[7]])
        }
    }
}
