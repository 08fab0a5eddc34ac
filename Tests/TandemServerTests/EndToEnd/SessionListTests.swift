import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// `session.list` filters over the wire: a session's branches, sessions shared with another
    /// user, several metadata pairs; each only ever among the caller's own sessions, page by page.
    @Suite("Session list filters") struct SessionListTests {
        @Test("parent lists a session's branches the caller belongs to")
        func parentListsBranches() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("main", owner: alice, members: [(bob, .write)])
            try harness.session("other", owner: alice)
            let owner = try harness.connect(alice)
            let writer = try harness.connect(bob)
            for id in ["b1", "b2"] {
                _ = try owner.ok("branch.create", ["session": "main", "branch": .string(id)])
            }
            _ = try owner.ok("branch.create", ["session": "other", "branch": "o1"])
            // A branch of a branch is its parent's, not the grandparent's.
            _ = try owner.ok("branch.create", ["session": "b1", "branch": "b1a"])
            // Bob leaves b2: it is no longer his to list.
            try owner.ok("member.remove", ["session": "b2", "user": "bob"])

            func ids(_ client: TandemTestClient, _ params: [String: JSONValue]) throws -> Set<String> {
                Set(try client.ok("session.list", params).array("sessions").compactMap { $0["id"]?.stringValue })
            }
            #expect(try ids(owner, ["parent": "main"]) == ["b1", "b2"])
            #expect(try ids(writer, ["parent": "main"]) == ["b1"])
            #expect(try ids(owner, ["parent": "b1"]) == ["b1a"])
            #expect(try ids(owner, ["parent": "nowhere"]).isEmpty)
            let listed = try owner.ok("session.list", ["parent": "main", "limit": 1])
            #expect(try listed.array("sessions").first?["parent"]?["session"] == "main")
            #expect(listed["next_cursor"] != nil, "two branches, one per page")

            // A merged branch is archived, and still a branch of its parent.
            _ = try owner.ok("branch.merge", ["session": "b2"])
            #expect(try ids(owner, ["parent": "main", "status": "archived"]) == ["b2"])
        }

        @Test("member and metadata narrow the caller's own sessions, every page full")
        func memberAndMetadataFilters() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let carol = try harness.user("carol")
            // Alice belongs to 12 sessions; bob to every third of them; carol's own is not alice's.
            for i in 0..<12 {
                try harness.session("s\(i)", owner: alice, members: i % 3 == 0 ? [(bob, .read)] : [])
            }
            try harness.session("carols", owner: carol, members: [(bob, .read)])
            let owner = try harness.connect(alice)
            for i in 0..<12 {
                _ = try owner.ok("session.update", ["session": .string("s\(i)"),
                                                    "metadata": ["team": i < 6 ? "core" : "web", "tier": .integer(Int64(i % 2))]])
            }

            func pages(_ params: [String: JSONValue]) throws -> [[String]] {
                var result: [[String]] = []
                var cursor: JSONValue? = nil
                repeat {
                    var p = params
                    p["limit"] = 2
                    if let cursor { p["cursor"] = cursor }
                    let page = try owner.ok("session.list", p)
                    result.append(try page.array("sessions").compactMap { $0["id"]?.stringValue })
                    cursor = page["next_cursor"]
                } while cursor != nil
                return result
            }
            // Shared with bob: s0, s3, s6, s9, in full pages (the filter is in the query, not applied to each page after).
            let shared = try pages(["member": "bob"])
            #expect(Set(shared.flatMap { $0 }) == ["s0", "s3", "s6", "s9"])
            #expect(shared.map(\.count) == [2, 2])
            #expect(try pages(["member": "alice"]).flatMap { $0 }.count == 12)
            // Every metadata pair must match.
            #expect(Set(try pages(["metadata": ["team": "core", "tier": 1]]).flatMap { $0 }) == ["s1", "s3", "s5"])
            #expect(Set(try pages(["metadata": ["team": "web", "tier": 0], "member": "bob"]).flatMap { $0 }) == ["s6"])
            #expect(try pages(["metadata": ["team": "core", "tier": "1"]]).flatMap { $0 }.isEmpty, "1 and \"1\" differ")
        }
    }
}
