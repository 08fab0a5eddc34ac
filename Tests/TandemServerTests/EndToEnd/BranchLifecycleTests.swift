import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Members following a branch see it end: archived when merged, deleted when discarded; only
    /// a member of the branch may merge it.
    @Suite("Branch lifecycle") struct BranchLifecycleTests {
        @Test("a merged branch is archived and a discarded one deleted for those following it")
        func followersSeeTheBranchEnd() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let carol = try harness.user("carol")
            try harness.session("main", owner: alice, members: [(bob, .write), (carol, .admin)])
            let owner = try harness.connect(alice)
            let writer = try harness.connect(bob)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            func branch(_ title: String) throws -> String {
                try owner.ok("branch.create", ["session": "main", "title": .string(title)])["session"]?["id"]?.stringValue ?? ""
            }
            let (keep, drop) = (try branch("keep"), try branch("drop"))
            try writer.ok("session.join", ["session": .string(keep)])
            try writer.ok("session.join", ["session": .string(drop)])
            _ = try writer.ok("turn.post", ["session": .string(keep), "content": "on the branch"])
            _ = writer.nextEvent(named: "turn")

            // Carol administers the parent but is no longer a member of the branch: she may not merge it
            // (told she was removed from it: she knew it).
            try owner.ok("member.remove", ["session": .string(keep), "user": "carol"])
            let outsider = try harness.connect(carol)
            #expect(try outsider.errorCode("branch.merge", ["session": .string(keep)]) == "forbidden")

            let merged = try owner.ok("branch.merge", ["session": .string(keep)])
            #expect(merged["merged"] == true)
            let archived = try #require(writer.nextEvent(named: "session"))
            #expect(archived["change"] == "status" && archived["info"]?["status"] == "archived")

            try owner.ok("branch.discard", ["session": .string(drop)])
            let deleted = try #require(writer.nextEvent(named: "session"))
            #expect(deleted["change"] == "deleted" && deleted["session"]?.stringValue == drop)
            #expect(try writer.errorCode("history", ["session": .string(drop)]) == "not_found")
        }

        @Test("a merge is refused with conflict once the parent took back a turn the branch forked from")
        func aParentThatMovedRefusesTheMerge() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice, members: [])
            let owner = try harness.connect(alice)
            _ = try owner.ok("turn.post", ["session": "main", "content": "draft 1"])
            let branch = try owner.ok("branch.create", ["session": "main"])["session"]?["id"]?.stringValue ?? ""
            _ = try owner.ok("turn.post", ["session": .string(branch), "content": "comment on draft 1"])
            _ = try owner.ok("turn.undo", ["session": "main"])
            #expect(try owner.errorCode("branch.merge", ["session": .string(branch)]) == "conflict")
            // The branch stays open: it can still be discarded (a merged one could not).
            try owner.ok("branch.discard", ["session": .string(branch)])
        }
    }
}
