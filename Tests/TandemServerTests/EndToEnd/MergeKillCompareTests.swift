import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// `tandemd` SIGKILLed at random moments of a merge in steps (mid-step included), and again at
    /// random moments of the next start while it finishes the merge at open: once a store has
    /// opened the file, every table the merge writes (turns, nonces, comments, rows, events,
    /// contributions, session and owner counts) holds what a one-job merge of a copy made before
    /// the merge holds, times aside.
    @Suite("Merge kill compare") struct MergeKillCompareTests {
        @Test("SIGKILL at random moments of a merge and of its finish at open: the one-job merge's result")
        func randomKillsEndWhereTheOneJobMergeEnds() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-merge-kills-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let original = directory.appendingPathComponent("before.db").path
            let token = try Self.build(original)
            let expected = try Self.mergedCopy(of: original, at: directory.appendingPathComponent("one-job.db").path, stepRows: 1_000_000)
            #expect(expected["sessions"]?.contains { $0.contains("\"big\"") && $0.contains("merged") } == true)
            var generator = SystemRandomNumberGenerator()
            var cutMidMerge = 0
            for round in 0..<6 {
                let path = directory.appendingPathComponent("round\(round).db").path
                try FileManager.default.copyItem(atPath: original, toPath: path)
                let server = try TandemdProcess(databasePath: path, arguments: ["--write-step-records", "10"])
                let client = try TandemTestClient.connect(port: server.port, .bearer(token), label: "merger")
                let watcher = try Database(path: path, readOnly: true)
                _ = try client.send("branch.merge", ["session": "big"])
                // Once the merge holds the sessions (its plan or a step under way), a random moment later.
                let deadline = Date().addingTimeInterval(10)
                while (try? watcher.scalar("SELECT count(*) FROM branch_merges")) ?? 0 == 0 && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.001)
                }
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.25, using: &generator))
                server.kill9()
                if try watcher.scalar("SELECT count(*) FROM branch_merges") ?? 0 > 0 { cutMidMerge += 1 }
                // The next starts finish the merge before they listen: killed at random while at it.
                for _ in 0..<2 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: try TandemdProcess.binary())
                    process.arguments = ["--db", path, "--host", "127.0.0.1", "--port", "0", "--write-step-records", "10"]
                    process.environment = TandemdProcess.childEnvironment
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.3, using: &generator))
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                }
                let got = try Self.mergedCopy(of: path, at: nil, stepRows: 10)
                for table in expected.keys.sorted() {
                    #expect(got[table] == expected[table], "round \(round), table \(table): \(Self.firstDifference(got[table] ?? [], expected[table] ?? []))")
                }
            }
            #expect(cutMidMerge > 0, "no round was killed with the merge under way")
            print("merge kill rounds: 6, killed with the merge under way in \(cutMidMerge)")
        }

        /// A parent with rows, nonced turns and comments, a branch with 1,200 new turns (some
        /// undone, some with nonces the parent has too, comments on some) and 300 changed or new rows.
        static func build(_ path: String) throws -> String {
            let store = try Store(StoreConfiguration(path: path))
            defer { store.close() }
            for user in ["alice", "bob", "carol"] { _ = try store.createUser(id: user, displayName: user) }
            let token = try store.createToken(userID: "alice", label: "kills").secret
            _ = try store.createSession(id: "main", title: "Main", owner: "alice")
            try store.setMember(session: "main", actor: "alice", user: "bob", role: .write)
            try store.setMember(session: "main", actor: "alice", user: "carol", role: .comment)
            for n in 0..<200 { _ = try store.writeRow(session: "main", actor: "alice", key: "k\(n)", value: ["a": 0, "b": 0], baseVersion: 0) }
            _ = try store.appendTurn(session: "main", actor: "bob", NewTurn(role: .user, content: "base", nonce: "base"))
            _ = try store.createBranch(session: "main", actor: "bob", id: "big")
            for n in 0..<1_200 {
                let author = n % 3 == 0 ? "alice" : "bob"
                let turn = try store.appendTurn(session: "big", actor: author, NewTurn(
                    role: .user, content: "m\(n)", tokensIn: Int64(n), tokensOut: 1, nonce: n % 2 == 0 ? "n\(n)" : nil))
                if n % 7 == 0 { _ = try store.addComment(session: "big", actor: "carol", turnSeq: turn.seq, body: "c\(n)") }
                if n % 50 == 0 { _ = try store.undoLastTurn(session: "big", actor: author) }
                if n % 100 == 0 { _ = try store.appendTurn(session: "main", actor: author, NewTurn(role: .user, content: "same", nonce: "n\(n)")) }
            }
            for n in 0..<200 where n % 2 == 0 {
                let version = try store.stateRow(session: "big", actor: "bob", key: "k\(n)")?.version ?? 0
                _ = try store.writeRow(session: "big", actor: n % 4 == 0 ? "bob" : "alice", key: "k\(n)", value: ["a": .integer(Int64(n)), "b": 0],
                                       baseVersion: version)
            }
            for n in 0..<200 { _ = try store.writeRow(session: "big", actor: "bob", key: "new\(n)", value: ["n": .integer(Int64(n))], baseVersion: 0) }
            for n in 0..<200 where n % 5 == 0 {
                let version = try store.stateRow(session: "main", actor: "alice", key: "k\(n)")?.version ?? 0
                _ = try store.writeRow(session: "main", actor: "alice", key: "k\(n)", value: ["a": 0, "b": .integer(Int64(n))], baseVersion: version)
            }
            return token
        }

        /// Opens `path` (or a copy of it at `copy`) as a store, which finishes a merge left under
        /// way; merges `big` when it is still open; returns the tables, times left out.
        static func mergedCopy(of path: String, at copy: String?, stepRows: Int) throws -> [String: [String]] {
            if let copy { try FileManager.default.copyItem(atPath: path, toPath: copy) }
            var configuration = StoreConfiguration(path: copy ?? path)
            configuration.importStepRows = stepRows
            let store = try Store(configuration)
            defer { store.close() }
            if try store.session(id: "big").status != .archived {
                guard case .merged = try store.mergeBranch(branch: "big", actor: "alice") else { throw TestFailure("not merged") }
            }
            return try store.read { db throws(StoreError) in
                var out: [String: [String]] = [:]
                let columns: [(String, String)] = [
                    ("turns", "sid, seq, role, author, content, metadata, tokens_in, tokens_out, state, event_seq, nonce"),
                    ("comments", "sid, turn_seq, author, body"),
                    ("events", "sid, seq, kind, actor, turn_seq, row_key, row_version"),
                    ("state_rows", "sid, key, version, value, author, merged"),
                    ("state_history", "sid, key, version, value, author, merged"),
                    ("contributions", "*"), ("session_counts", "*"), ("owner_counts", "*"), ("branch_merges", "*"),
                    ("sessions", "sid, id, status, branch_status, last_turn_seq, last_event_seq, parent_sid")]
                for (table, list) in columns {
                    let names = list == "*"
                        ? try db.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)]) { $0.text(0) }
                        : list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    let quoted = names.map { "\"\($0)\"" }.joined(separator: ", ")
                    out[table] = try db.query("SELECT json_array(\(quoted)) FROM \(table) ORDER BY \(quoted)") { $0.text(0) }
                }
                return out
            }
        }

        static func firstDifference(_ a: [String], _ b: [String]) -> String {
            if a.count != b.count { return "\(a.count) rows, expected \(b.count)" }
            guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return "none" }
            return "\(a[i]) vs expected \(b[i])"
        }
    }
}
