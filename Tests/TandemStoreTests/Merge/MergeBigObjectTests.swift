import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// A big shared object whose members two people edit (an agent's file index, a team's task board
/// as one row) merges within the default `max-merge-diff-steps` as a small one does: the walk is
/// charged for the members it looks at, and unchanged ones cost one lookup and one comparison.
/// Merges that would hold the writer long are still refused.
@Suite struct MergeBigObjectTests {
    static let defaultBudget = 10_000_000

    /// `count` members, each an object of three short fields; `first`/`last` set the first member's
    /// `f` and the last member's `l` (the `object-one` row of `writer-hold`).
    static func board(_ count: Int, first: String = "a", last: String = "z") -> JSONValue {
        var object: [String: JSONValue] = [:]
        for i in 0..<count {
            object["k\(i)"] = ["f": .string(i == 0 ? first : "a"), "m": "mid", "l": .string(i == count - 1 ? last : "z")]
        }
        return .object(object)
    }

    @Test(arguments: [6_000, 28_000])
    func aBigObjectWithOneMemberChangedOnEachSideMerges(count: Int) throws {
        var budget = Self.defaultBudget
        let outcome = try ThreeWayMerge.merge(base: Self.board(count), current: Self.board(count, first: "A"),
                                              proposed: Self.board(count, last: "Z"), diffBudget: &budget)
        #expect(outcome == .merged(Self.board(count, first: "A", last: "Z")))
        // Well inside the budget: about one lookup and one small comparison a member.
        #expect(Self.defaultBudget - budget < count * 200, "spent \(Self.defaultBudget - budget)")
    }

    /// 30,000 members of short strings (~1 MiB), a few changed, added and deleted on each side.
    @Test func aRowSizedIndexWithAFewChangesOnEachSideMerges() throws {
        var members: [String: JSONValue] = [:]
        for i in 0..<30_000 { members["src/file\(i).swift"] = .string("sha-\(i)") }
        var (current, proposed, expected) = (members, members, members)
        for i in 0..<5 {
            current["src/file\(i).swift"] = .string("sha-c\(i)")
            proposed["src/file\(29_999 - i).swift"] = .string("sha-p\(i)")
            expected["src/file\(i).swift"] = .string("sha-c\(i)")
            expected["src/file\(29_999 - i).swift"] = .string("sha-p\(i)")
        }
        current["new-c"] = 1; proposed["new-p"] = 2; expected["new-c"] = 1; expected["new-p"] = 2
        current["src/file100.swift"] = nil; proposed["src/file200.swift"] = nil
        expected["src/file100.swift"] = nil; expected["src/file200.swift"] = nil
        let outcome = try ThreeWayMerge.merge(base: .object(members), current: .object(current), proposed: .object(proposed),
                                              diffBudget: Self.defaultBudget)
        #expect(outcome == .merged(.object(expected)))
    }

    /// Through the store: the 1 MiB-class row of 28,000 members merges and is written.
    @Test func aStaleWriteOfABigObjectMergesThroughTheStore() throws {
        try withStore { store in
            try makeSession(store)
            let count = 28_000
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.board(count), baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: Self.board(count, first: "A"), baseVersion: 1)
            let result = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: Self.board(count, last: "Z"), baseVersion: 1)
            guard case .merged(let row, _) = result else { Issue.record("not merged: \(result)"); return }
            #expect(row.version == 3 && row.value == Self.board(count, first: "A", last: "Z"))
        }
    }

    /// Every member changed on both sides (`object-many`): each is merged key by key, and the row
    /// needs more than the default budget.
    @Test func everyMemberChangedOnBothSidesIsStillRefused() {
        let many = { (first: String, last: String) in MergeValuesBudgetTests.manyValues(28_000, first: first, last: last) }
        // Charged as it goes: refused where the budget ran out (the row, a member, or a member's field).
        let error = #expect(throws: MergeTooCostly.self) {
            try ThreeWayMerge.merge(base: many("a", "z"), current: many("A", "z"), proposed: many("a", "Z"), diffBudget: Self.defaultBudget)
        }
        #expect(error?.cause == .values && (error?.path.count ?? 3) <= 2, "\(String(describing: error))")
    }

    /// Deep nesting: each level's changed member is compared whole before the walk goes down into
    /// it, so a deep row costs its size times its depth; charged as it goes, it is refused.
    @Test func aDeepRowChangedAtTheBottomOnBothSidesIsRefused() {
        func deep(_ leaf: String, levels: Int = 100) -> JSONValue {
            var value: JSONValue = ["leaf": .string(leaf), "other": "x"]
            for level in 0..<levels {
                var members: [String: JSONValue] = ["down": value]
                for i in 0..<20 { members["s\(level)-\(i)"] = .integer(Int64(i)) }
                value = .object(members)
            }
            return value
        }
        let (base, current) = (deep("a"), JSONPath.setting("y", at: Array(repeating: "down", count: 100) + ["other"], in: deep("a")))
        var spent = Int.max
        let unbounded = try? ThreeWayMerge.merge(base: base, current: current, proposed: deep("b"), diffBudget: &spent)
        #expect(unbounded == .merged(JSONPath.setting("y", at: Array(repeating: "down", count: 100) + ["other"], in: deep("b"))))
        #expect(Int.max - spent > Self.defaultBudget, "spent \(Int.max - spent)")
        #expect(throws: MergeTooCostly.self) {
            try ThreeWayMerge.merge(base: base, current: current, proposed: deep("b"), diffBudget: Self.defaultBudget)
        }
    }
}
