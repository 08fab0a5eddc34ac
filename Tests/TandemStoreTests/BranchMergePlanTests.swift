import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// The check before a stepped merge's first write (`BranchMergePlan`) reads the changed rows a
/// chunk at a time: what it finds must not depend on where the chunks end, and it lists at most
/// `maxMergeConflictsReported` conflicting keys.
@Suite struct BranchMergePlanTests {
    /// Rows changed on the branch: more than two chunks of the plan.
    static let changed = 2 * BranchMergePlan.chunkRows + 500
    /// Keys both sides changed since the fork, one in each of the plan's chunks.
    static let conflicting = ["k00500", "k01500", "k02400"]

    private static func key(_ n: Int) -> String { "k" + String(String(n + 100_000).dropFirst()) }

    /// `s1` with the conflicting keys, branch `b1` changing `changed` keys (the conflicting ones
    /// among them), and `s1` changing the conflicting keys after the fork.
    private func build(_ store: Store) throws {
        try makeSession(store)
        for key in Self.conflicting { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: ["v": 0], baseVersion: 0) }
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        let group = DispatchGroup()
        let failures = Mutex(0)
        for n in 0..<Self.changed {
            let key = Self.key(n)
            group.enter()
            store.writeRow(session: "b1", actor: "bob", key: key, value: ["v": .integer(2)],
                           baseVersion: Self.conflicting.contains(key) ? 1 : 0) { result in
                if case .failure = result { failures.withLock { $0 += 1 } }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.withLock { $0 } == 0)
        for key in Self.conflicting { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: ["v": 1], baseVersion: 1) }
    }

    private func holdInPlace(_ store: Store) throws -> Bool {
        try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 } > 0
    }

    @Test func conflictsInEveryChunkAreFound() throws {
        try withStore(configure: { $0.importStepRows = 100 }) { store in
            try build(store)
            guard case .conflict(let conflicts, _) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("merged despite the conflicts"); return
            }
            #expect(conflicts.keys.sorted() == Self.conflicting)
            #expect(try !holdInPlace(store))
            #expect(try store.session(id: "b1").branchStatus == "open")
        }
    }

    /// At most `maxMergeConflictsReported` keys, the first in key order; once resolved, the next
    /// merge lists the rest. (Before: every conflicting key, however many.)
    @Test func theAnswerListsTheFirstConflictingKeysOnly() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.maxMergeConflictsReported = 2 }) { store in
            try build(store)
            guard case .conflict(let first, let firstMore) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("merged despite the conflicts"); return
            }
            #expect(first.keys.sorted() == Array(Self.conflicting.prefix(2)) && firstMore)
            #expect(try !holdInPlace(store))
            let resolutions = Dictionary(uniqueKeysWithValues: first.keys.map { ($0, ["v": 3] as JSONValue) })
            guard case .conflict(let rest, let restMore) = try store.mergeBranch(branch: "b1", actor: "alice", resolutions: resolutions) else {
                Issue.record("merged despite a conflict"); return
            }
            #expect(rest.keys.sorted() == [Self.conflicting[2]] && !restMore)
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice",
                                                                    resolutions: resolutions.merging([Self.conflicting[2]: ["v": 3]]) { a, _ in a })
            else { Issue.record("not merged"); return }
            #expect(summary.rowCount == Int64(Self.changed)) // the answer names the first 1,000 (BranchMergeAnswerBoundsTests)
        }
    }

    /// The rows new to the parent are counted over every chunk for `max-rows-per-session`.
    @Test func newRowsOfEveryChunkCountAgainstTheRowLimit() throws {
        try withStore(configure: { $0.importStepRows = 100; $0.maxRowsPerSession = Self.changed + 5 }) { store in
            try build(store)
            // Resolved conflicts; the parent gains ten keys of its own: 13 + (changed - 3) rows merged.
            for n in 0..<10 { _ = try store.writeRow(session: "s1", actor: "bob", key: "p\(n)", value: ["n": .integer(Int64(n))], baseVersion: 0) }
            let resolutions = Dictionary(uniqueKeysWithValues: Self.conflicting.map { ($0, ["v": 3] as JSONValue) })
            #expect(errorCode { _ = try store.mergeBranch(branch: "b1", actor: "alice", resolutions: resolutions) } == "limit_exceeded")
            #expect(try !holdInPlace(store))
            #expect(try store.session(id: "b1").branchStatus == "open")
        }
    }
}
