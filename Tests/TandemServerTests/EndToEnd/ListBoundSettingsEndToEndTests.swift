import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `max-conflict-lines` and `max-viewer-turns` set on the server take effect where a client meets
    /// them: in a conflict's `lines` over a real socket, and in the viewer page a share link serves.
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
