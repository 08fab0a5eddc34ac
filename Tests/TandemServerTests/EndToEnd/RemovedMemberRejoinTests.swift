import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, "Visibility": a member removed while away who comes back is told they were
    /// removed (`forbidden`), not that the session does not exist (`not_found`, which left a client
    /// retrying or telling its user the session was deleted). Someone who never was a member still
    /// gets `not_found`, word for word as for an id no session has.
    @Suite("A removed member coming back") struct RemovedMemberRejoinTests {
        @Test("removed by member.remove while away: the rejoin with since answers forbidden naming the removal; an outsider still gets not_found")
        func removedByAnAdmin() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("s", owner: alice, members: [(bob, .write)])
            let away = try harness.connect(bob)
            let head = try away.ok("session.join", ["session": "s"])["head_eseq"]?.intValue ?? -1
            away.close()
            try harness.connect(alice).ok("member.remove", ["session": "s", "user": "bob"])

            let back = try harness.connect(bob)
            let refused = try back.request("session.join", ["session": "s", "since": .integer(head)])
            #expect(refused["error"]?["code"] == "forbidden", "\(refused)")
            let message = refused["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("removed from session s by alice"), "\(message)")
            // Every operation on the session says the same, not only the join.
            #expect(try back.errorCode("session.get", ["session": "s"]) == "forbidden")
            #expect(try back.errorCode("turn.post", ["session": "s", "content": "hello?"]) == "forbidden")

            // Never a member: the session's existence is not disclosed.
            let outsider = try harness.connect(carol)
            let hidden = try outsider.request("session.join", ["session": "s", "since": .integer(head)])
            let missing = try outsider.request("session.join", ["session": "no-such", "since": .integer(head)])
            #expect(hidden["error"]?["code"] == "not_found" && missing["error"]?["code"] == "not_found", "\(hidden) \(missing)")
            #expect(hidden["error"]?["message"] == "session s not found" && missing["error"]?["message"] == "session no-such not found",
                    "\(hidden) \(missing)")
        }

        @Test("removed by tandem-admin revoke, or leaving themself: the answer says which")
        func removedByTheOperatorOrThemself() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("s", owner: alice, members: [(bob, .write), (carol, .read)])
            let admin = try harness.externalStore()
            defer { admin.close() }
            try admin.adminRemoveMember(session: "s", user: "bob")
            try harness.connect(carol).ok("member.remove", ["session": "s", "user": "carol"])

            let bobBack = try harness.connect(bob).request("session.join", ["session": "s", "since": 0])
            #expect(bobBack["error"]?["code"] == "forbidden", "\(bobBack)")
            #expect(bobBack["error"]?["message"]?.stringValue?.contains("removed from session s by the server's operator") == true, "\(bobBack)")
            let carolBack = try harness.connect(carol).request("session.join", ["session": "s", "since": 0])
            #expect(carolBack["error"]?["code"] == "forbidden", "\(carolBack)")
            #expect(carolBack["error"]?["message"]?.stringValue?.contains("you left session s") == true, "\(carolBack)")
        }

        @Test("a removal from an earlier session of the same id tells nothing of today's: not_found; added again, the join works")
        func earlierIncarnation() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            try harness.session("s", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            try owner.ok("member.remove", ["session": "s", "user": "bob"])
            try owner.ok("session.delete", ["session": "s"])
            try owner.ok("session.create", ["session": "s"])

            let bobClient = try harness.connect(bob)
            let answer = try bobClient.request("session.join", ["session": "s", "since": 0])
            #expect(answer["error"]?["code"] == "not_found" && answer["error"]?["message"] == "session s not found", "\(answer)")
            try owner.ok("member.add", ["session": "s", "user": "bob", "role": "read"])
            try bobClient.ok("session.join", ["session": "s"])
        }
    }
}
