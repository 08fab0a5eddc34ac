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

        private func expectLimit(_ client: TandemTestClient, _ op: String, _ params: [String: JSONValue], setting: String) throws {
            let answer = try client.response(to: try client.send(op, params))
            #expect(answer["error"]?["code"] == "limit_exceeded", "\(op): \(answer)")
            #expect(answer["error"]?["message"]?.stringValue?.contains("server setting \(setting)") == true, "\(op): \(answer)")
        }
    }
}
