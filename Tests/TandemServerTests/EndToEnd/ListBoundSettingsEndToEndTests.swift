import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `max-conflict-lines`, `max-merge-listed` and `max-viewer-turns` set on the server take effect
    /// where a client meets them: in a conflict's `lines` and a merge's keys over a real socket, and in
    /// the viewer page a share link serves.
    @Suite("List bound settings") struct ListBoundSettingsEndToEndTests {
        @Test("max-conflict-lines = 3: a state.put's and a branch.merge's text conflict list 3 regions, then lines_more")
        func conflictLinesFollowTheSetting() throws {
            let harness = try TestServer { $0.maxConflictLines = 3 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-cap", owner: alice)
            let a = try harness.connect(alice)
            // 5 regions: each side inserts its own line after every base line.
            let base = String(repeating: "s\n", count: 5)
            let current = String(repeating: "s\nx\n", count: 5), proposed = String(repeating: "s\ny\n", count: 5)
            try a.ok("state.put", ["session": "s-cap", "key": "t", "value": .string(base), "base": 0])
            try a.ok("state.put", ["session": "s-cap", "key": "t", "value": .string(current), "base": 1])
            let put = try a.ok("state.put", ["session": "s-cap", "key": "t", "value": .string(proposed), "base": 1])
            let listed = try #require(put["conflicts"]?.arrayValue?.first)
            #expect(listed["lines"]?.arrayValue?.count == 3 && listed["lines_more"] == true, "\(put)")

            try a.ok("state.put", ["session": "s-cap", "key": "plan", "value": ["notes": .string(base)], "base": 0])
            let branch = try a.ok("branch.create", ["session": "s-cap"])["session"]?["id"]?.stringValue ?? ""
            try a.ok("state.put", ["session": .string(branch), "key": "plan", "value": ["notes": .string(proposed)], "base": 1])
            try a.ok("state.put", ["session": "s-cap", "key": "plan", "value": ["notes": .string(current)], "base": 1])
            let merge = try a.ok("branch.merge", ["session": .string(branch)])
            let row = try #require(merge["conflicts"]?.arrayValue?.first(where: { $0["key"] == "plan" }))
            let text = try #require(row["conflicts"]?.arrayValue?.first)
            #expect(text["lines"]?.arrayValue?.count == 3 && text["lines_more"] == true, "\(merge)")
        }

        /// With the default step (one job) and with steps of 2 rows (the stepped merge's tally and
        /// plan), as each reads the bound on its own path.
        @Test("max-merge-listed = 3: a branch.merge lists 3 merged keys with rows_total, or 3 conflicting keys with conflicts_more",
              arguments: [500, 2])
        func mergeListsFollowTheSetting(stepRecords: Int) throws {
            let harness = try TestServer { $0.maxMergeListed = 3; $0.writeStepRecords = stepRecords }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-m", owner: alice)
            let a = try harness.connect(alice)
            func put(_ session: String, _ keys: [String], _ v: Int, base: Int) throws {
                for key in keys { try a.ok("state.put", ["session": .string(session), "key": .string(key), "value": ["v": .integer(Int64(v))], "base": .integer(Int64(base))]) }
            }
            let shared = ["c0", "c1", "c2", "c3", "c4"]
            try put("s-m", shared, 0, base: 0)
            for branch in ["calm", "clash", "three"] { _ = try harness.store.createBranch(session: "s-m", actor: "alice", id: branch) }
            try put("calm", (0..<8).map { "r\($0)" }, 1, base: 0)
            try put("clash", shared, 2, base: 1)
            try put("three", Array(shared.prefix(3)), 3, base: 1)
            try put("s-m", shared, 1, base: 1)

            let calm = try a.ok("branch.merge", ["session": "calm"], timeout: 60)
            #expect(calm["merged"] == true && calm["rows_total"] == .integer(8), "\(calm)")
            #expect(calm["rows"]?.arrayValue?.compactMap(\.stringValue) == ["r0", "r1", "r2"], "\(calm)")

            let clash = try a.ok("branch.merge", ["session": "clash"], timeout: 60)
            #expect(clash["merged"] == false && clash["conflicts_more"] == true && clash["rows_total"] == .integer(0), "\(clash)")
            #expect(clash["conflicts"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == ["c0", "c1", "c2"], "\(clash)")

            let three = try a.ok("branch.merge", ["session": "three"], timeout: 60)
            #expect(three["merged"] == false && three["conflicts"]?.arrayValue?.count == 3, "\(three)")
            #expect(three["conflicts_more"] == nil, "\(three)") // every conflict listed
        }

        @Test("max-viewer-turns = 300: the page a share link serves keeps 300 turns")
        func viewerPageCarriesTheSetting() throws {
            let harness = try TestServer { $0.maxViewerTurns = 300 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-view", owner: alice)
            let secret = try harness.store.createShareLink(session: "s-view", actor: alice.id, expiresAt: nil).secret
            let page = try PendingGet("/s/\(secret)", port: harness.port).answer()
            #expect(page.hasPrefix("HTTP/1.1 200"), "\(page.prefix(200))")
            #expect(page.contains("\nconst KEEP = 300;\n"))
        }
    }
}
