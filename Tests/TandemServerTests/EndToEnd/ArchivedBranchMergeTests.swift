import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A member sees each status change of a branch once: merging a branch that `session.archive`
    /// already archived changes its status no more, so no second `archived` event, live or replayed.
    @Suite("Merging an archived branch") struct ArchivedBranchMergeTests {
        @Test("merging an archived branch sends no second archived event, live or in replay")
        func oneArchivedEvent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("main", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            let follower = try harness.connect(bob)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            let branch = try owner.ok("branch.create", ["session": "main"])["session"]?["id"]?.stringValue ?? ""
            try follower.ok("session.join", ["session": .string(branch)])
            _ = try follower.ok("turn.post", ["session": .string(branch), "content": "on the branch"])

            try owner.ok("session.archive", ["session": .string(branch)])
            let archived = try #require(follower.nextEvent(named: "session"))
            #expect(archived["change"] == "status" && archived["info"]?["status"] == "archived")

            let merged = try owner.ok("branch.merge", ["session": .string(branch)])
            #expect(merged["merged"] == true)
            // The branch's events are published before the merger is answered, so an answer to the
            // follower asked after that comes after any such event on its connection.
            _ = try follower.ok("session.get", ["session": .string(branch)])
            let live = follower.takeBufferedEvents().filter { $0["event"] == "session" && $0["session"]?.stringValue == branch }
            #expect(live.isEmpty, "after the merge: \(live)")

            let reader = try harness.connect(bob)
            try reader.ok("session.join", ["session": .string(branch), "since": 0])
            var statuses: [JSONValue] = []
            while let event = reader.nextEvent(timeout: 1) {
                if event["event"] == "session" { statuses.append(event) }
            }
            #expect(statuses.count == 1, "replayed: \(statuses)")
            #expect(statuses.first?["eseq"] == archived["eseq"])
            // The branch is merged all the same: a second merge finds it no longer open.
            #expect(try owner.errorCode("branch.merge", ["session": .string(branch)]) == "conflict")
        }
    }
}
