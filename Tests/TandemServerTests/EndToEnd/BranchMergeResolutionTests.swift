import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A branch whose row clashes with its parent's can be merged with the value the row should end
    /// up with: `branch.merge`'s `resolutions`. Settling the row on the branch with `state.put` cannot
    /// do it, as the merge compares against the fork point, whatever the branch wrote since.
    @Suite("Branch merge resolutions") struct BranchMergeResolutionTests {
        @Test("a clashing row merges with the merger's resolution, which no settling on the branch could give")
        func aResolutionSettlesTheClash() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("main", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            let writer = try harness.connect(bob)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            _ = try owner.ok("state.put", ["session": "main", "key": "plan", "value": ["x": 1, "y": 1], "base": 0])
            let branch = try writer.ok("branch.create", ["session": "main"])["session"]?["id"]?.stringValue ?? ""
            _ = try writer.ok("turn.post", ["session": .string(branch), "content": "on the branch"])
            _ = try writer.ok("state.put", ["session": .string(branch), "key": "plan", "value": ["x": 1, "y": 9], "base": 1])
            _ = try owner.ok("state.put", ["session": "main", "key": "plan", "value": ["x": 1, "y": 7], "base": 1])

            let refused = try owner.ok("branch.merge", ["session": .string(branch)])
            #expect(refused["merged"] == false)
            #expect(refused["conflicts"]?.arrayValue?.first?["key"] == "plan")
            // Settled on the branch with a third value: still the same clash (base y 1, parent 7, branch 79).
            _ = try writer.ok("state.put", ["session": .string(branch), "key": "plan", "value": ["x": 1, "y": 79], "base": 2])
            let again = try owner.ok("branch.merge", ["session": .string(branch)])
            #expect(again["merged"] == false)
            #expect(again["conflicts"]?.arrayValue?.first?["conflicts"]?.arrayValue?.first?["proposed"] == 79)

            // A resolution must be a row's key and value.
            #expect(try owner.errorCode("branch.merge", ["session": .string(branch), "resolutions": ["": 1]]) == "invalid_argument")
            #expect(try owner.errorCode("branch.merge", ["session": .string(branch), "resolutions": [1, 2]]) == "invalid_argument")

            let merged = try owner.ok("branch.merge", ["session": .string(branch), "resolutions": ["plan": ["x": 1, "y": 79]]])
            #expect(merged["merged"] == true)
            #expect(merged["rows"] == ["plan"])
            let row = try owner.ok("state.get", ["session": "main", "key": "plan"])["rows"]?.arrayValue?.first
            #expect(row?["value"] == ["x": 1, "y": 79])
            #expect(row?["version"] == 3)
            // The resolution is the merger's write; the branch's turn came along with it.
            #expect(row?["author"] == "alice")
            let turns = try owner.ok("history", ["session": "main"])["turns"]?.arrayValue ?? []
            #expect(turns.map { $0["content"] } == ["base", "on the branch"])
        }
    }
}
