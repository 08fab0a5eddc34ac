import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A viewer's link is read again for each request: the access watcher closes the viewers of a
    /// link that went only at its next tick, and meanwhile their connection still named a session id.
    @Suite("Viewer link recheck") struct ViewerLinkRecheckTests {
        @Test("a session deleted by another process and made again under its id is never shown to the old link's viewers")
        func aRecreatedSessionIsNotServedToTheOldLink() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            _ = try harness.user("carol")
            let owner = try harness.connect(alice)
            let external = try harness.externalStore()
            // A few rounds: before the fix the old link's viewer read carol's session in most of them.
            for round in 0..<4 {
                let id = "s-again-\(round)"
                try harness.session(id, owner: alice)
                try owner.ok("turn.post", ["session": .string(id), "content": "shared on purpose"])
                let secret = try owner.ok("share.create", ["session": .string(id), "expires_in": 3600]).string("secret")
                let viewer = try harness.connect(.sharePath(secret), label: "viewer \(round)")
                #expect(try viewer.ok("history", ["session": .string(id)]).array("turns").count == 1)
                // tandem-admin deletes the session; carol makes one under the same id at once.
                try external.adminDeleteSession(id: id)
                _ = try external.createSession(id: id, title: "carol's private plans", owner: "carol")
                _ = try external.appendTurn(session: id, actor: "carol", NewTurn(role: .user, content: "carol's private notes"))
                for op in ["history", "session.get", "state.get", "member.list", "comment.list", "session.list"] {
                    var params: [String: JSONValue] = ["session": .string(id)]
                    if op == "session.list" { params = [:] }
                    guard let answer = try? viewer.request(op, params) else { continue } // closed by the watcher: fine
                    let text = "\(answer)"
                    #expect(answer["ok"] != true || op == "session.list" && (try? answer["result"]?.array("sessions").isEmpty) == true,
                            "round \(round), \(op): \(text)")
                    #expect(!text.contains("carol"), "round \(round), \(op): \(text)")
                }
            }
        }
    }
}
