import Foundation
import Testing
import TandemJSON
import TandemStore

/// `tandem history --all` / `--since`: every turn, in pages, each once and in order, up to the head
/// there was at the start; `--last` alone keeps its cap.
extension TandemCLIScriptTests {
    @Test func historyAllAndSinceReadEveryPageOnce() throws {
        // 64 KiB pages: the 2,500 turns below (about 200 bytes each) take several pages of fewer than 1000.
        let f = try CLIFixture { $0.maxPageBytes = 64 << 10 }
        defer { f.shutdown() }
        let filler = String(repeating: "x", count: 120)
        for chunk in stride(from: 1, through: 2_500, by: 500) {
            let turns = (chunk..<chunk + 500).map { NewTurn(role: .user, content: "turn \($0) \(filler)") }
            _ = try f.server.store.appendTurns(session: "s1", actor: "alice", turns)
        }
        _ = try f.server.store.undoLastTurn(session: "s1", actor: "alice") // #2500: undone turns are left out

        let all = try f.run(["history", "s1", "--all", "--json"], timeout: 60)
        #expect(all.status == 0, "\(all.stderr)")
        let seqs = try all.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0))["seq"]?.intValue ?? -1 }
        #expect(seqs == (1...2_499).map(Int64.init), "\(seqs.count) turns")

        let since = try f.run(["history", "s1", "--since", "2490"])
        #expect(since.status == 0, "\(since.stderr)")
        let lines = since.stdout.split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines.first?.contains("#2491 alice (user): turn 2491") == true)
        #expect(lines.last?.contains("#2499 alice (user): turn 2499") == true)

        let recent = try f.run(["history", "s1"])
        #expect(recent.stdout.split(separator: "\n").count == 20)
        for bad in [["--all", "--last", "5"], ["--since", "-1"], ["--last", "1001"]] {
            let run = try f.run(["history", "s1"] + bad)
            #expect(run.status == 1 && run.stderr.split(separator: "\n").count >= 1, "\(bad): \(run.stderr)")
        }
        let missing = try f.run(["history", "nope", "--all"])
        #expect(missing.status == 2, "\(missing.stderr)")
    }
}

extension TandemCLIScriptTests {
    /// `tandem sessions` over several 1000-session pages: each once, newest first, as a table and as
    /// JSON lines (which are printed page by page).
    @Test func sessionsListsEveryPageOnce() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        for n in 1...2_100 { _ = try f.server.store.createSession(id: String(format: "p%04d", n), title: "page test \(n)", owner: "bob") }
        let json = try f.run(["sessions", "--json"], as: "bob", timeout: 60)
        #expect(json.status == 0, "\(json.stderr)")
        let ids = try json.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0))["id"]?.stringValue ?? "?" }
        #expect(ids.count == 2_101 && Set(ids).count == 2_101, "\(ids.count)")
        #expect(Set(ids) == Set((1...2_100).map { String(format: "p%04d", $0) } + ["s1"]))
        let table = try f.run(["sessions"], as: "bob", timeout: 60)
        #expect(table.stdout.split(separator: "\n").count == 2_102) // header + rows
    }
}
