import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `comment.list`, `checkpoint.list`, `share.list` and `template.list` answer a page at a time:
    /// at most `limit` items (1000 without it) and `max-page-bytes`, with `more` while items are left.
    /// Before, each answered everything at once: 10^5 comments were one 8.4 MB answer, 21
    /// checkpoints of a 10^5-row session (each carrying its key → version map) 31.5 MB.
    @Suite("List pages") struct ListPagesTests {
        /// Small enough that a few hundred-byte items fill a page.
        static let pageBytes = 4 << 10

        /// Every item of a list, read page by page with `after` = `cursor(last item)`, and each page's size.
        func readAll(_ client: TandemTestClient, _ op: String, _ params: [String: JSONValue], items key: String,
                     cursor: (JSONValue) throws -> JSONValue) throws -> (items: [JSONValue], sizes: [Int]) {
            var items: [JSONValue] = []
            var sizes: [Int] = []
            var params = params
            while sizes.count < 1000 {
                let page = try client.ok(op, params)
                let got = try page.array(key)
                items += got
                sizes.append(got.count)
                guard page["more"] == true else { return (items, sizes) }
                guard let last = got.last else {
                    Issue.record("\(op): an empty page said more were left")
                    break
                }
                params["after"] = try cursor(last)
            }
            return (items, sizes)
        }

        @Test func commentsComeInPagesCutByLimitOrPageBytes() throws {
            let harness = try TestServer { $0.maxPageBytes = Self.pageBytes }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s", "content": "first"])
            try client.ok("turn.post", ["session": "s", "content": "second"])
            var ids: [Int64] = []
            for n in 0..<40 {
                let text = String(repeating: "c", count: 400) + " \(n)"
                ids.append(try client.ok("comment.add", ["session": "s", "seq": .integer(Int64(n % 2 + 1)), "text": .string(text)])
                    .object("comment").int("id"))
            }
            // Without a limit the page bytes cut it: about 4 KiB of ~530-byte comments.
            let byBytes = try readAll(client, "comment.list", ["session": "s"], items: "comments") { .integer(try $0.int("id")) }
            #expect(try byBytes.items.map { try $0.int("id") } == ids)
            #expect(byBytes.sizes.count > 4 && byBytes.sizes.allSatisfy { (1...8).contains($0) }, "\(byBytes.sizes)")
            let byLimit = try readAll(client, "comment.list", ["session": "s", "limit": 3], items: "comments") { .integer(try $0.int("id")) }
            #expect(try byLimit.items.map { try $0.int("id") } == ids)
            #expect(byLimit.sizes.dropLast().allSatisfy { $0 == 3 }, "\(byLimit.sizes)")
            let onTurn = try readAll(client, "comment.list", ["session": "s", "seq": 2, "limit": 4], items: "comments") { .integer(try $0.int("id")) }
            #expect(try onTurn.items.map { try $0.int("id") } == ids.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
            #expect(try client.errorCode("comment.list", ["session": "s", "limit": 0]) == "invalid_argument")
            #expect(try client.errorCode("comment.list", ["session": "s", "limit": 1001]) == "invalid_argument")
        }

        @Test func checkpointsCarryARowCountAndComeInPages() throws {
            let harness = try TestServer { $0.maxPageBytes = Self.pageBytes }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            var names: [String] = []
            for n in 0..<25 {
                try client.ok("state.put", ["session": "s", "key": .string("k\(n)"), "value": .integer(Int64(n)), "base": 0])
                let name = String(format: "cp%02d-", n) + String(repeating: "n", count: 300)
                let saved = try client.ok("checkpoint.save", ["session": "s", "name": .string(name)]).object("checkpoint")
                // The answer says how many rows, not which versions: a map grows with the session.
                #expect(try saved.int("row_count") == Int64(n + 1) && saved["rows"] == nil)
                names.append(name)
            }
            let all = try readAll(client, "checkpoint.list", ["session": "s"], items: "checkpoints") { .string(try $0.string("name")) }
            #expect(try all.items.map { try $0.string("name") } == names)
            #expect(try all.items.map { try $0.int("row_count") } == (1...25).map(Int64.init))
            #expect(all.items.allSatisfy { $0["rows"] == nil })
            #expect(all.sizes.count > 2 && all.sizes.allSatisfy { $0 <= 10 }, "\(all.sizes)")
            let byLimit = try readAll(client, "checkpoint.list", ["session": "s", "limit": 4], items: "checkpoints") { .string(try $0.string("name")) }
            #expect(try byLimit.items.map { try $0.string("name") } == names && byLimit.sizes.first == 4)
            #expect(try client.errorCode("checkpoint.list", ["session": "s", "after": "no such checkpoint"]) == "not_found")
            let restored = try client.ok("checkpoint.restore", ["session": "s", "name": .string(names[2])])
            #expect(try restored.object("checkpoint").int("row_count") == 3)
        }

        @Test func aCheckpointsMapComesInKeyOrderInPages() throws {
            let harness = try TestServer { $0.maxPageBytes = Self.pageBytes }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            // Long keys, so that a page fills its bytes before its count.
            let keys = (0..<30).map { String(format: "k%02d-", $0) + String(repeating: "x", count: 200) }
            for key in keys.reversed() {
                try client.ok("state.put", ["session": "s", "key": .string(key), "value": 1, "base": 0])
            }
            try client.ok("state.put", ["session": "s", "key": .string(keys[4]), "value": 2, "base": 1])
            try client.ok("checkpoint.save", ["session": "s", "name": "cp"])
            // Changed after the save: the map keeps the versions saved.
            try client.ok("state.put", ["session": "s", "key": .string(keys[4]), "value": 3, "base": 2])
            try client.ok("state.put", ["session": "s", "key": "zz-new", "value": 1, "base": 0])
            let all = try readAll(client, "checkpoint.get", ["session": "s", "name": "cp"], items: "rows") { .string(try $0.string("key")) }
            #expect(try all.items.map { try $0.string("key") } == keys)
            #expect(try all.items.map { try $0.int("version") } == keys.indices.map { $0 == 4 ? 2 : 1 })
            // 30 entries of ~250 bytes do not fit in one page of 4 KiB.
            #expect(all.sizes.count >= 2 && all.sizes.allSatisfy { $0 < 30 }, "\(all.sizes)")
            let byLimit = try readAll(client, "checkpoint.get", ["session": "s", "name": "cp", "limit": 7], items: "rows") { .string(try $0.string("key")) }
            #expect(try byLimit.items.map { try $0.string("key") } == keys && byLimit.sizes.first == 7)
            let tail = try client.ok("checkpoint.get", ["session": "s", "name": "cp", "after": .string(keys[27])])
            #expect(try tail.array("rows").map { try $0.string("key") } == Array(keys[28...]) && tail["more"] == false)
            #expect(try client.errorCode("checkpoint.get", ["session": "s", "name": "no such checkpoint"]) == "not_found")
            #expect(try client.errorCode("checkpoint.get", ["session": "s", "name": "cp", "limit": 0]) == "invalid_argument")
            #expect(try client.errorCode("checkpoint.get", ["session": "s"]) == "invalid_argument")
        }

        @Test func shareLinksListWorkingOnesNewestFirstAndAllOnRequest() throws {
            let harness = try TestServer { $0.maxPageBytes = 1 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            var ids: [String] = []
            for _ in 0..<12 {
                ids.append(try client.ok("share.create", ["session": "s", "expires_in": 3600]).object("share").string("id"))
            }
            let revoked = Set([ids[0], ids[5], ids[6], ids[11]])
            for id in revoked { try client.ok("share.revoke", ["share": .string(id)]) }
            // 1 KiB holds a few links (each counted at ~250 bytes): the page bytes cut every list below.
            let working = try readAll(client, "share.list", ["session": "s"], items: "shares") { .string(try $0.string("id")) }
            let everything = try readAll(client, "share.list", ["session": "s", "include_revoked": true, "limit": 5], items: "shares") {
                .string(try $0.string("id"))
            }
            #expect(working.sizes.count > 1 && everything.sizes.count > 2, "\(working.sizes) \(everything.sizes)")
            let allIDs = try everything.items.map { try $0.string("id") }
            #expect(Set(allIDs) == Set(ids) && allIDs.count == 12)
            // Newest first: by creation time (ids made in one millisecond in either order).
            let created = try everything.items.map { try $0.int("created") }
            #expect(created == created.sorted(by: >))
            #expect(try working.items.map { try $0.string("id") } == allIDs.filter { !revoked.contains($0) })
            #expect(working.items.allSatisfy { $0["revoked"] == false })
            #expect(try client.errorCode("share.list", ["session": "s", "after": "sh-nope"]) == "not_found")
        }

        @Test func templatesListByNameInPagesWithTheirSources() throws {
            let harness = try TestServer { $0.maxPageBytes = 2 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s1", owner: alice)
            try harness.session("s2", owner: alice)
            let client = try harness.connect(alice)
            try client.ok("state.put", ["session": "s2", "key": "big", "value": .string(String(repeating: "v", count: 100_000)), "base": 0])
            var names: [String] = []
            for n in 0..<9 {
                let name = "t\(n)-" + String(repeating: "m", count: 300)
                try client.ok("template.save", ["session": n % 2 == 0 ? "s1" : "s2", "name": .string(name)])
                names.append(name)
            }
            let pages = try readAll(client, "template.list", [:], items: "templates") { .string(try $0.string("name")) }
            #expect(try pages.items.map { try $0.string("name") } == names)
            #expect(try pages.items.map { try $0.string("source") } == (0..<9).map { $0 % 2 == 0 ? "s1" : "s2" })
            #expect(pages.sizes.count > 1, "\(pages.sizes)")
            let two = try client.ok("template.list", ["limit": 2, "after": .string(names[6])])
            #expect(try two.array("templates").map { try $0.string("name") } == Array(names[7...]) && two["more"] == false)
        }
    }
}
