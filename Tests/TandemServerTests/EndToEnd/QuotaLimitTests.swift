import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// deploy/README.md, "Quotas": past a count limit the request answers `limit_exceeded`, and
    /// the message names the setting that raises it.
    @Suite("Quotas") struct QuotaLimitTests {
        @Test("sessions per user, share links per session, checkpoints per session and templates per user answer limit_exceeded")
        func quotasOverTheWire() throws {
            let harness = try TestServer {
                $0.maxSessionsPerUser = 2
                $0.maxShareLinksPerSession = 1
                $0.maxCheckpointsPerSession = 1
                $0.maxTemplatesPerUser = 1
            }
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob")
            try harness.session("q1", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice), writer = try harness.connect(bob)

            try owner.ok("session.create", ["session": "q2"])
            try expectLimit(owner, "session.create", ["session": "q3"], setting: "max-sessions-per-user")
            try expectLimit(writer, "branch.create", ["session": "q1"], setting: "max-sessions-per-user")
            try writer.ok("session.create", ["session": "bobs"])

            try owner.ok("share.create", ["session": "q1", "expires_in": 3600])
            try expectLimit(owner, "share.create", ["session": "q1", "expires_in": 3600], setting: "max-share-links-per-session")
            try writer.ok("checkpoint.save", ["session": "q1", "name": "one"])
            try expectLimit(writer, "checkpoint.save", ["session": "q1", "name": "two"], setting: "max-checkpoints-per-session")
            try owner.ok("template.save", ["session": "q1", "name": "one"])
            try expectLimit(owner, "template.save", ["session": "q1", "name": "two"], setting: "max-templates-per-user")
        }

        @Test("rows, comments and members per session answer limit_exceeded; updates at the cap still work")
        func sessionCapsOverTheWire() throws {
            let harness = try TestServer {
                $0.maxRowsPerSession = 2
                $0.maxCommentsPerSession = 1
                $0.maxMembersPerSession = 3
            }
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob")
            let carol = try harness.user("carol"), dave = try harness.user("dave")
            try harness.session("c1", owner: alice, members: [(bob, .write), (carol, .read)])
            let owner = try harness.connect(alice), writer = try harness.connect(bob)

            try writer.ok("state.put", ["session": "c1", "key": "a", "value": 1, "base": 0])
            try writer.ok("state.put", ["session": "c1", "key": "b", "value": 1, "base": 0])
            try expectLimit(writer, "state.put", ["session": "c1", "key": "c", "value": 1, "base": 0], setting: "max-rows-per-session")
            try writer.ok("state.put", ["session": "c1", "key": "a", "value": 2, "base": 1])
            let rows = try writer.ok("state.get", ["session": "c1"])
            #expect(rows["rows"]?.arrayValue?.count == 2, "\(rows)")

            try writer.ok("turn.post", ["session": "c1", "content": "hello"])
            try writer.ok("comment.add", ["session": "c1", "seq": 1, "text": "one"])
            try expectLimit(writer, "comment.add", ["session": "c1", "seq": 1, "text": "two"], setting: "max-comments-per-session")

            try expectLimit(owner, "member.add", ["session": "c1", "user": .string(dave.id), "role": "read"], setting: "max-members-per-session")
            try owner.ok("member.set_role", ["session": "c1", "user": .string(carol.id), "role": "comment"])
            try owner.ok("member.remove", ["session": "c1", "user": .string(carol.id)])
            try owner.ok("member.add", ["session": "c1", "user": .string(dave.id), "role": "read"])
        }

        private func expectLimit(_ client: TandemTestClient, _ op: String, _ params: [String: JSONValue], setting: String) throws {
            let answer = try client.response(to: try client.send(op, params))
            #expect(answer["error"]?["code"] == "limit_exceeded", "\(op): \(answer)")
            #expect(answer["error"]?["message"]?.stringValue?.contains("server setting \(setting)") == true, "\(op): \(answer)")
        }
    }
}
