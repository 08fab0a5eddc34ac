import Foundation
import TandemJSON
@testable import TandemStore

/// A random parent (`s1`) and branch of it (`b1`), the same for a seed in any store: turns with
/// nonces (some the parent has too), tokens and comments, undone turns, rows changed on both
/// sides (merging, conflicting, new). For the merge-in-steps tests.
enum BranchMergeScenario {
    static func build(_ store: Store, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        try makeSession(store)
        let keys = (0..<8).map { "k\($0)" }
        for key in keys {
            _ = try store.writeRow(session: "s1", actor: "alice", key: key, value: ["a": 0, "b": 0], baseVersion: 0)
        }
        for i in 0..<Int.random(in: 3...8, using: &rng) {
            _ = try store.appendTurn(session: "s1", actor: i % 2 == 0 ? "bob" : "alice",
                                     NewTurn(role: .user, content: "p\(i)", tokensIn: Int64(i), nonce: "pn\(i)"))
        }
        _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "on the parent")
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        let forkSeq = try store.session(id: "b1").lastTurnSeq
        _ = try store.addComment(session: "b1", actor: "carol", turnSeq: forkSeq, body: "before the fork point: stays")
        for i in 0..<Int.random(in: 10...40, using: &rng) {
            let author = Bool.random(using: &rng) ? "bob" : "alice"
            // Some nonces the parent will have too (same author): the copy goes without them.
            let nonce: String? = Int.random(in: 0..<3, using: &rng) == 0 ? nil : "bn\(i)"
            let turn = try store.appendTurn(session: "b1", actor: author, NewTurn(
                role: i % 3 == 0 ? .assistant : .user, content: "b\(i) \(rng.next() % 1000)", metadata: ["i": .integer(Int64(i))],
                tokensIn: Int64(i), tokensOut: Int64(2 * i), nonce: nonce))
            if Int.random(in: 0..<3, using: &rng) == 0 {
                _ = try store.addComment(session: "b1", actor: "carol", turnSeq: turn.seq, body: "c\(i)")
                if Bool.random(using: &rng) { _ = try store.addComment(session: "b1", actor: "bob", turnSeq: turn.seq, body: "d\(i)") }
            }
            if author == "bob" && Int.random(in: 0..<6, using: &rng) == 0 { _ = try store.undoLastTurn(session: "b1", actor: "bob") }
            if i % 4 == 0, let nonce, author == "bob", Bool.random(using: &rng) {
                _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "same post", nonce: nonce))
            }
        }
        // Rows: the branch changes field a (and makes new rows), the parent field b (merges) or a (conflicts).
        for key in keys where Bool.random(using: &rng) {
            let row = try store.stateRow(session: "b1", actor: "bob", key: key)
            _ = try store.writeRow(session: "b1", actor: Bool.random(using: &rng) ? "bob" : "alice", key: key,
                                   value: ["a": .integer(Int64(rng.next() % 100) + 1), "b": 0], baseVersion: row?.version ?? 0)
        }
        for n in 0..<Int.random(in: 0...12, using: &rng) {
            _ = try store.writeRow(session: "b1", actor: "bob", key: "new\(n)", value: ["n": .integer(Int64(n))], baseVersion: 0)
        }
        for key in keys where Int.random(in: 0..<3, using: &rng) == 0 {
            let row = try store.stateRow(session: "s1", actor: "alice", key: key)
            let field = Bool.random(using: &rng) ? "a" : "b"
            _ = try store.writeRow(session: "s1", actor: "alice", key: key, value: [field: .integer(Int64(rng.next() % 100) + 200),
                                   field == "a" ? "b" : "a": 0], baseVersion: row?.version ?? 0)
        }
        for i in 0..<Int.random(in: 0...5, using: &rng) {
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "after fork \(i)"))
        }
    }

    /// Merges `b1` as alice: asked once, and again with the merger's value for each conflict.
    static func merge(_ store: Store, onStep: (@Sendable () -> Void)? = nil) throws -> (first: BranchMergeResult, last: BranchMergeResult) {
        let first = try store.mergeBranch(branch: "b1", actor: "alice", onStep: onStep)
        guard case .conflict(let byKey, _) = first else { return (first, first) }
        var resolutions: [String: JSONValue] = [:]
        for key in byKey.keys { resolutions[key] = ["a": .string("resolved \(key)")] }
        return (first, try store.mergeBranch(branch: "b1", actor: "alice", resolutions: resolutions, onStep: onStep))
    }

    /// Every table a merge writes, row by row, as JSON text. Without `sessions.importer`: the
    /// branch's writer names the store that forked it (its lock slot), another in each database.
    static func dump(_ store: Store) throws -> [String: [String]] {
        try store.read { db throws(StoreError) in
            var out: [String: [String]] = [:]
            for table in ["turns", "comments", "events", "state_rows", "state_history", "contributions", "sessions", "audit_log",
                          "turn_retirements", "session_counts", "members", "branch_merges"] {
                let columns = try db.query("SELECT name FROM pragma_table_info(?) WHERE NOT (? = 'sessions' AND name = 'importer') ORDER BY cid",
                                           [.text(table), .text(table)]) { $0.text(0) }
                let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                out[table] = try db.query("SELECT json_array(\(list)) FROM \(table) ORDER BY \(list)") { $0.text(0) }
            }
            return out
        }
    }
}
