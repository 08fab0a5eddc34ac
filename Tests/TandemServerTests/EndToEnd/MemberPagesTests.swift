import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// `member.list` and `contributions` answer a page at a time, like the other lists: at most
    /// `limit` (1000 without it) and `max-page-bytes`, with `more` while items are left and `after`
    /// to go on. Before, each answered everything at once: 10,000 members with long names were
    /// about 12 MB, more than `max-page-bytes` and than a subscriber's outbound queue.
    @Suite("Member and contribution pages") struct MemberPagesTests {
        /// Every page of `op`, following `after` = `key` of each page's last item, as
        /// (items, page sizes, encoded answer sizes).
        func readAll(_ client: TandemTestClient, _ op: String, _ params: [String: JSONValue], items name: String,
                     key: String) throws -> (items: [JSONValue], sizes: [Int], bytes: [Int]) {
            var items: [JSONValue] = []
            var sizes: [Int] = []
            var bytes: [Int] = []
            var params = params
            while sizes.count < 1000 {
                let page = try client.ok(op, params)
                let got = try page.array(name)
                items += got
                sizes.append(got.count)
                bytes.append(page.serialized().utf8.count)
                #expect(page["more"] == true || page["more"] == false, "\(op) answers without `more`")
                guard page["more"] == true else { return (items, sizes, bytes) }
                guard let last = got.last else {
                    Issue.record("\(op): an empty page said more were left")
                    break
                }
                params["after"] = .string(try last.string(key))
            }
            return (items, sizes, bytes)
        }

        @Test func twoThousandFiveHundredMembersComeInBoundedPagesEachOnce() throws {
            let pageBytes = 256 << 10
            let harness = try TestServer { $0.maxPageBytes = pageBytes }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            // 2,500 readers with 400-byte names: about 1.1 MB of members, more than 4 pages' bytes.
            let ids = (0..<2500).map { String(format: "u%04d", ($0 * 7919) % 2500) }
            for id in ids {
                _ = try harness.store.createUser(id: id, displayName: String(repeating: "n", count: 396) + id.suffix(4))
                try harness.store.setMember(session: "s", actor: "alice", user: id, role: .read)
            }
            let expected = (ids + ["alice"]).sorted()
            let client = try harness.connect(alice)

            // Without paging params (as a client written before them asks): the first page and `more`.
            let first = try client.ok("member.list", ["session": "s"])
            let firstCount = try first.array("members").count
            #expect(first["more"] == true && firstCount < 2501)

            let byBytes = try readAll(client, "member.list", ["session": "s"], items: "members", key: "user")
            #expect(try byBytes.items.map { try $0.string("user") } == expected)
            #expect(byBytes.sizes.count >= 5 && byBytes.bytes.allSatisfy { $0 <= pageBytes }, "\(byBytes.sizes) \(byBytes.bytes)")
            #expect(try byBytes.items.first { try $0.string("user") == "u0042" }?.string("name") == String(repeating: "n", count: 396) + "0042")
            #expect(try byBytes.items.first { try $0.string("user") == "alice" }?.string("role") == "owner")

            let byLimit = try readAll(client, "member.list", ["session": "s", "limit": 300], items: "members", key: "user")
            #expect(try byLimit.items.map { try $0.string("user") } == expected)
            #expect(byLimit.sizes == Array(repeating: 300, count: 8) + [101], "\(byLimit.sizes)")

            // `after` need not be a member; past the last one the page is empty and says so.
            let fromGap = try client.ok("member.list", ["session": "s", "after": "u0999x", "limit": 2])
            #expect(try fromGap.array("members").map { try $0.string("user") } == ["u1000", "u1001"] && fromGap["more"] == true)
            let pastEnd = try client.ok("member.list", ["session": "s", "after": "zzz"])
            #expect(try pastEnd.array("members").isEmpty && pastEnd["more"] == false)
            #expect(try client.errorCode("member.list", ["session": "s", "limit": 0]) == "invalid_argument")
            #expect(try client.errorCode("member.list", ["session": "s", "limit": 1001]) == "invalid_argument")
            #expect(try client.errorCode("member.list", ["session": "s", "after": ""]) == "invalid_argument")
        }

        @Test func aSessionsContributionsComeInPagesByUserIDWithTheRemovedMembers() throws {
            let harness = try TestServer { $0.maxPageBytes = 4 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            var writers: [TestUser] = []
            for n in 0..<40 {
                let user = try harness.user(String(format: "w%02d", (n * 17) % 40))
                try harness.store.setMember(session: "s", actor: "alice", user: user.id, role: .write)
                writers.append(user)
            }
            for user in writers {
                let client = try harness.connect(user)
                try client.ok("turn.post", ["session": "s", "content": "hello"])
                client.close()
            }
            let client = try harness.connect(alice)
            try client.ok("member.remove", ["session": "s", "user": "w07"])
            // 40 rows of ~260 bytes (as a page counts them) do not fit in 4 KiB.
            let all = try readAll(client, "contributions", ["session": "s"], items: "contributions", key: "user")
            #expect(try all.items.map { try $0.string("user") } == writers.map(\.id).sorted())
            #expect(all.sizes.count >= 3 && all.sizes.allSatisfy { $0 <= 16 }, "\(all.sizes)")
            let byLimit = try readAll(client, "contributions", ["session": "s", "limit": 9], items: "contributions", key: "user")
            #expect(byLimit.sizes == [9, 9, 9, 9, 4] && byLimit.items.count == 40)
            let one = try client.ok("contributions", ["session": "s", "user": "w07"])
            #expect(try one.array("contributions").map { try $0.int("turns") } == [1] && one["more"] == false)
        }

        @Test func aUsersContributionsAcrossManySessionsComeInPages() throws {
            let harness = try TestServer { $0.maxPageBytes = 4 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            // Created in an order unlike the ids': the list follows creation.
            let sessions = (0..<120).map { String(format: "s%03d", 119 - $0) }
            for id in sessions { try harness.session(id, owner: alice, members: [(bob, .write)]) }
            let client = try harness.connect(bob)
            for id in sessions { try client.ok("turn.post", ["session": .string(id), "content": "x"]) }

            let all = try readAll(client, "contributions", ["user": "bob"], items: "contributions", key: "session")
            #expect(try all.items.map { try $0.string("session") } == sessions)
            #expect(all.sizes.count >= 8 && all.sizes.allSatisfy { $0 <= 16 }, "\(all.sizes)")
            let byLimit = try readAll(client, "contributions", ["user": "bob", "limit": 11], items: "contributions", key: "session")
            #expect(byLimit.sizes == Array(repeating: 11, count: 10) + [10])
            #expect(try byLimit.items.map { try $0.string("session") } == sessions)

            // An `after` naming no session bob worked in: not_found, naming the field.
            let answer = try client.request("contributions", ["user": "bob", "after": "nosuch"])
            #expect(answer["error"]?["code"] == "not_found" && answer["error"]?["field"] == "after", "\(answer)")
        }
    }
}
