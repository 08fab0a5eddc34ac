import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// A text conflict says which lines conflicted (docs/protocol.md, MergeConflict `lines`), in a
    /// `state.put` answer and a `branch.merge` one, over a real socket.
    @Suite("Text conflict lines") struct TextConflictLinesTests {
        static let base = "goal: ship\n\nowner: bob\ndue: friday\n"
        static let current = "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n"
        static let proposed = "goal: ship\n\nowner: dave\ndue: friday\n"

        @Test("a stale state.put's text conflict lists the conflicting regions as [first, count] per side")
        func statePutCarriesLines() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-text", owner: alice)
            let a = try harness.connect(alice)
            try a.ok("state.put", ["session": "s-text", "key": "notes", "value": .string(Self.base), "base": 0])
            try a.ok("state.put", ["session": "s-text", "key": "notes", "value": .string(Self.current), "base": 1])
            let answer = try a.ok("state.put", ["session": "s-text", "key": "notes", "value": .string(Self.proposed), "base": 1])
            #expect(answer["outcome"] == "conflict")
            let conflicts = try #require(answer["conflicts"]?.arrayValue)
            #expect(conflicts.count == 1)
            #expect(conflicts.first?["lines"] == [["base": [2, 1], "current": [2, 2], "proposed": [2, 1]]], "\(answer)")
            #expect(conflicts.first?["lines_more"] == nil)

            // 1,001 regions, each side inserting its own line after every base line: the first 1,000.
            let many = 1_001
            try a.ok("state.put", ["session": "s-text", "key": "many", "value": .string(String(repeating: "s\n", count: many)), "base": 0])
            try a.ok("state.put", ["session": "s-text", "key": "many", "value": .string(String(repeating: "s\nx\n", count: many)), "base": 1])
            let cut = try a.ok("state.put", ["session": "s-text", "key": "many", "value": .string(String(repeating: "s\ny\n", count: many)), "base": 1])
            let listed = try #require(cut["conflicts"]?.arrayValue?.first)
            #expect(listed["lines"]?.arrayValue?.count == 1_000 && listed["lines_more"] == true)
            #expect(listed["lines"]?.arrayValue?.last == ["base": [1_000, 0], "current": [1_999, 1], "proposed": [1_999, 1]])
        }

        @Test("a branch.merge's text conflict carries the same lines")
        func branchMergeCarriesLines() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-text", owner: alice)
            let a = try harness.connect(alice)
            try a.ok("state.put", ["session": "s-text", "key": "plan", "value": ["notes": .string(Self.base), "n": 1], "base": 0])
            let branch = try a.ok("branch.create", ["session": "s-text"])["session"]?["id"]?.stringValue ?? ""
            try a.ok("state.put", ["session": .string(branch), "key": "plan", "value": ["notes": .string(Self.proposed), "n": 1], "base": 1])
            try a.ok("state.put", ["session": "s-text", "key": "plan", "value": ["notes": .string(Self.current), "n": 2], "base": 1])
            let merge = try a.ok("branch.merge", ["session": .string(branch)])
            #expect(merge["merged"] == false)
            let row = try #require(merge["conflicts"]?.arrayValue?.first)
            #expect(row["key"] == "plan")
            #expect(row["conflicts"] == [["path": "/notes", "base": .string(Self.base), "current": .string(Self.current),
                                          "proposed": .string(Self.proposed),
                                          "lines": [["base": [2, 1], "current": [2, 2], "proposed": [2, 1]]]]], "\(merge)")
        }
    }
}
