import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// `max-merge-diff-steps` bounds the walk of a three-way merge over a row's values too, not only its
/// texts' line diffs: a 1 MiB row of many small values changed on both sides merged member by member
/// on the single writer for ~0.3 s (`writer-hold object-many`, docs/benchmarks.md) with no budget.
/// (Each member costs what the walk does to it: 28,000 small objects each changed on both sides is
/// the 1 MiB row that needs more than the default; 12,000 now fit, as a big object whose members
/// mostly did not change does: `MergeBigObjectTests`.)
@Suite struct MergeValuesBudgetTests {
    /// An object of `count` members, each a small object; `first`/`last` set two of its fields, so
    /// a base, a current changing every `first` and a proposed changing every `last` merge cleanly.
    static func manyValues(_ count: Int, first: String, last: String) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for i in 0..<count { object["k\(i)"] = ["f": .string(first), "m": "mid", "l": .string(last)] }
        return .object(object)
    }

    @Test func aStaleWriteOfARowOfManyValuesIsRefusedAndWritesNothing() throws {
        try withStore { store in
            try makeSession(store)
            let count = 28_000
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "z"), baseVersion: 0)
            let current = Self.manyValues(count, first: "A", last: "z")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: current, baseVersion: 1)
            let message = storeRefusal { _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "Z"), baseVersion: 1) }
            #expect(message.hasPrefix("limit_exceeded: merging row doc with the current version (its values"), "\(message)")
            #expect(message.contains("max-merge-diff-steps = 10000000") && message.contains("write it again on its current version"), "\(message)")
            let row = try #require(try store.stateRow(session: "s1", actor: "alice", key: "doc"))
            #expect(row.version == 2 && row.value == current)
            // Written on the current version it is a plain write, with no merge.
            guard case .applied(let row3, _) = try store.writeRow(session: "s1", actor: "alice", key: "doc",
                                                                  value: Self.manyValues(count, first: "A", last: "Z"), baseVersion: 2) else {
                Issue.record("not applied")
                return
            }
            #expect(row3.version == 3)
        }
    }

    /// An ordinary stale write (a row of a few hundred values) still merges.
    @Test func aSmallerRowStillMerges() throws {
        try withStore { store in
            try makeSession(store)
            let count = 300
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "z"), baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: Self.manyValues(count, first: "A", last: "z"), baseVersion: 1)
            let merged = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "Z"), baseVersion: 1)
            guard case .merged(let row, _) = merged else { Issue.record("not merged: \(merged)"); return }
            #expect(row.value == Self.manyValues(count, first: "A", last: "Z"))
        }
    }

    /// The branch merge's rows share the budget for their values as for their texts: refused whole,
    /// naming the setting and how to settle it; the branch stays open.
    @Test func aBranchMergeOfARowOfManyValuesIsRefusedWhole() throws {
        try withStore { store in
            try makeSession(store)
            let count = 28_000
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "z"), baseVersion: 0)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: Self.manyValues(count, first: "A", last: "z"), baseVersion: 1)
            _ = try store.writeRow(session: "b1", actor: "alice", key: "doc", value: Self.manyValues(count, first: "a", last: "Z"), baseVersion: 1)
            _ = try store.appendTurn(session: "b1", actor: "alice", NewTurn(role: .user, content: "in the branch"))
            let message = try refusedBranchMerge(store)
            #expect(message.hasPrefix("limit_exceeded: merging row doc"), "\(message)")
            #expect(message.contains("max-merge-diff-steps = 10000000") && message.contains("give them resolutions"), "\(message)")
        }
    }
}
