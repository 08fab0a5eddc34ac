import Foundation
import Testing
import TandemJSON
import TandemStore

/// The listing subcommands read every page: with a 1 KiB `max-page-bytes` each list below takes
/// several pages, and each item must come out once, in the server's order.
extension TandemCLIScriptTests {
    @Test func listingsReadEveryPage() throws {
        let f = try CLIFixture { $0.maxPageBytes = 1 << 10 }
        defer { f.shutdown() }
        let store = f.server.store
        _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "one"))
        var commentIDs: [Int64] = []
        for n in 0..<30 {
            commentIDs.append(try store.addComment(session: "s1", actor: "alice", turnSeq: 1, body: "comment \(n) " + String(repeating: "c", count: 100)).id)
        }
        var checkpoints: [String] = []
        for n in 0..<15 {
            checkpoints.append(String(format: "cp%02d-", n) + String(repeating: "n", count: 100))
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: checkpoints.last!)
        }
        var links: [String] = []
        for _ in 0..<12 {
            links.append(try store.createShareLink(session: "s1", actor: "alice", expiresAt: store.now + 3_600_000).link.id)
        }
        for id in links.prefix(4) { try store.revokeShareLink(session: "s1", actor: "alice", linkID: id) }
        var templates: [String] = []
        for n in 0..<10 {
            templates.append(String(format: "t%02d-", n) + String(repeating: "m", count: 100))
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: templates.last!)
        }
        // Each of these lists is bigger than one 1 KiB page.
        #expect(try store.commentPage(session: "s1", actor: "alice", limit: 1000, budget: PageBudget(maxBytes: 1 << 10)).more)
        #expect(try store.shareLinkPage(session: "s1", actor: "alice", includeRevoked: true, limit: 1000, budget: PageBudget(maxBytes: 1 << 10)).more)

        #expect(try lines(try f.run(["comments", "s1", "--json"])).map { $0["id"]?.intValue } == commentIDs)
        #expect(try lines(try f.run(["checkpoints", "s1", "--json"])).map { $0["name"]?.stringValue } == checkpoints)
        #expect(try f.run(["checkpoints", "s1"]).stdout.split(separator: "\n").count == 16) // a heading and 15
        #expect(try lines(try f.run(["templates", "--json"])).map { $0["name"]?.stringValue } == templates)
        // A checkpoint's rows, bigger than one page too, in key order with their saved versions.
        let keys = (0..<20).map { String(format: "row-%02d-", $0) + String(repeating: "k", count: 100) }
        for key in keys.reversed() { _ = try store.writeRow(session: "s1", actor: "alice", key: key, value: 1, baseVersion: 0) }
        _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "rows")
        _ = try store.writeRow(session: "s1", actor: "alice", key: keys[0], value: 2, baseVersion: 1)
        #expect(try store.checkpointEntries(session: "s1", actor: "alice", name: "rows", limit: 1000, budget: PageBudget(maxBytes: 1 << 10)).more)
        let saved = try lines(try f.run(["checkpoint-rows", "s1", "rows", "--json"]))
        #expect(saved.map { $0["key"]?.stringValue } == keys && saved.allSatisfy { $0["version"] == 1 })
        #expect(try f.run(["checkpoint-rows", "s1", "rows"]).stdout.split(separator: "\n").count == 21) // a heading and 20
        let working = try lines(try f.run(["shares", "s1", "--json"])).compactMap { $0["id"]?.stringValue }
        #expect(Set(working) == Set(links.dropFirst(4)) && working.count == 8)
        let all = try lines(try f.run(["shares", "s1", "--all", "--json"])).compactMap { $0["id"]?.stringValue }
        #expect(Set(all) == Set(links) && all.count == 12)
    }
}
