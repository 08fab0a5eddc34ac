import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A `tandemd` killed (SIGKILL) in the middle of a merge in steps: the restarted server finishes
    /// it before it listens, and the parent then holds every merged turn exactly once, in order.
    @Suite("Merge crash") struct MergeCrashTests {
        @Test("SIGKILL mid-merge: the restart finishes the merge, every turn once and in order")
        func killNineMidMerge() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-merge-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = directory.appendingPathComponent("merge.db").path
            let merged = 30_000
            let token: String
            do {
                // Made the way tandem-admin would, before the server starts.
                let store = try Store(StoreConfiguration(path: database))
                defer { store.close() }
                _ = try store.createUser(id: "alice", displayName: "Alice")
                token = try store.createToken(userID: "alice", label: "crash").secret
                _ = try store.createSession(id: "main", title: "Main", owner: "alice")
                _ = try store.appendTurn(session: "main", actor: "alice", NewTurn(role: .user, content: "base"))
                _ = try store.createBranch(session: "main", actor: "alice", id: "big")
                for chunk in stride(from: 0, to: merged, by: 1000) {
                    _ = try store.appendTurns(session: "big", actor: "alice", (chunk..<chunk + 1000).map { NewTurn(role: .user, content: "m\($0)") })
                }
            }
            let first = try TandemdProcess(databasePath: database)
            var firstRunning = true
            defer { if firstRunning { first.kill9() } }
            let owner = try TandemTestClient.connect(port: first.port, .bearer(token), label: "owner")
            _ = try owner.send("branch.merge", ["session": "big"])
            // Watched through a plain read-only connection: a Store would finish the merge at open.
            let watcher = try Database(path: database, readOnly: true)
            var progress: Int64 = 0
            let deadline = Date().addingTimeInterval(30)
            while progress == 0 && Date() < deadline {
                progress = (try? watcher.scalar("SELECT turns_merged FROM branch_merges")) ?? 0
                if progress == 0 { Thread.sleep(forTimeInterval: 0.001) }
            }
            first.kill9()
            firstRunning = false
            let left = try watcher.scalar("SELECT count(*) FROM branch_merges") ?? 0
            let landed = try watcher.scalar("SELECT count(*) FROM turns t JOIN sessions s ON s.sid = t.sid WHERE s.id = 'main'") ?? 0
            #expect(progress > 0 && left == 1, "killed with the merge under way (\(progress) turns merged)")
            #expect(landed > 1 && landed < Int64(merged) + 1, "part of the merge was written: \(landed) turns")

            let second = try TandemdProcess(databasePath: database)
            defer { second.stop() }
            #expect(try watcher.scalar("SELECT count(*) FROM branch_merges") == 0)
            let checker = try TandemTestClient.connect(port: second.port, .bearer(token), label: "checker")
            var contents: [String] = []
            var seqs: [Int64] = []
            var since: Int64 = 0
            while true {
                let page = try checker.ok("history", ["session": "main", "since": .integer(since), "limit": 1000])
                let turns = page["turns"]?.arrayValue ?? []
                for turn in turns {
                    contents.append(turn["content"]?.stringValue ?? "")
                    seqs.append(turn["seq"]?.intValue ?? 0)
                }
                guard let last = turns.last?["seq"]?.intValue, page["more"] == true else { break }
                since = last
            }
            #expect(contents == ["base"] + (0..<merged).map { "m\($0)" })
            #expect(seqs == Array(1...Int64(merged) + 1))
            let branch = try checker.ok("session.get", ["session": "big"])
            #expect(branch["session"]?["status"] == "archived")
        }
    }
}
