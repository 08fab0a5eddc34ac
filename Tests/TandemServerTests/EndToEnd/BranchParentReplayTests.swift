import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A branch's `session` events name its parent (`info.parent`) when replayed as they did live,
    /// also after that parent was discarded (its row gone, so the branch's own row no longer names it).
    @Suite("Branch parent in replay") struct BranchParentReplayTests {
        @Test("a branch-of-branch's session events keep info.parent in replay after the parent is discarded")
        func replayKeepsTheDiscardedParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice, members: [])
            let owner = try harness.connect(alice)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            let middle = try owner.ok("branch.create", ["session": "main"])["session"]?["id"]?.stringValue ?? ""
            let leaf = try owner.ok("branch.create", ["session": .string(middle)])["session"]?["id"]?.stringValue ?? ""

            try owner.ok("session.join", ["session": .string(leaf)])
            try owner.ok("session.update", ["session": .string(leaf), "title": "renamed"])
            let live = try #require(owner.nextEvent(named: "session"))
            #expect(live["change"] == "updated" && live["info"]?["parent"]?["session"]?.stringValue == middle)
            let liveEseq = try #require(live["eseq"]?.intValue)

            try owner.ok("branch.discard", ["session": .string(middle)])
            let reader = try harness.connect(alice)
            try reader.ok("session.join", ["session": .string(leaf), "since": .integer(liveEseq - 1)])
            let replayed = try #require(reader.nextEvent(named: "session"))
            #expect(replayed["eseq"]?.intValue == liveEseq)
            #expect(replayed["info"]?["parent"] == live["info"]?["parent"], "\(replayed)")
            #expect(replayed["info"]?["title"] == "renamed")
            // The branch's own row no longer names the discarded parent: what `session.get` says now.
            let now = try reader.ok("session.get", ["session": .string(leaf)])
            #expect(now["session"]?["parent"] == nil || now["session"]?["parent"] == .null, "\(now)")
        }

        @Test("a branch's session events keep info.parent in replay after its parent session was deleted")
        func replayKeepsTheDeletedParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice, members: [])
            let owner = try harness.connect(alice)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            try owner.ok("branch.create", ["session": "main", "branch": "b1"])
            try owner.ok("session.join", ["session": "b1"])
            try owner.ok("session.pause", ["session": "b1"])
            let live = try #require(owner.nextEvent(named: "session"))
            #expect(live["change"] == "status" && live["info"]?["parent"]?["session"] == "main", "\(live)")
            let liveEseq = try #require(live["eseq"]?.intValue)

            try owner.ok("session.delete", ["session": "main"])
            let reader = try harness.connect(alice)
            try reader.ok("session.join", ["session": "b1", "since": .integer(liveEseq - 1)])
            let replayed = try #require(reader.nextEvent(named: "session"))
            #expect(replayed["eseq"]?.intValue == liveEseq && replayed["info"]?["parent"] == live["info"]?["parent"], "\(replayed)")
            let now = try reader.ok("session.get", ["session": "b1"])
            #expect(now["session"]?["parent"] == nil, "the branch has no parent now: \(now)")
        }
    }
}
