import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// `max-merge-diff-steps`: the line diffs of a three-way merge run on the store's single writer,
/// and O(ND) is quadratic for long texts that differ throughout, so their steps are bounded.
@Suite struct MergeDiffBudgetTests {
    /// `lines` alternating "a"/"b" lines, and the same lines sorted (all "a" then all "b"): every
    /// line is shared, yet about half must move, so D grows with N.
    private func pathological(lines: Int) -> (base: String, current: String) {
        let base = (0..<lines).map { $0 % 2 == 0 ? "a\n" : "b\n" }.joined()
        let current = String(repeating: "a\n", count: (lines + 1) / 2) + String(repeating: "b\n", count: lines / 2)
        return (base, current)
    }

    private func ids(_ text: String, _ interner: inout LineInterner) -> [Int] { interner.ids(of: LineText(text)) }

    /// With room enough the budgeted diff is the unbounded one, and says what it spent.
    @Test func withRoomTheAnswerIsTheUnboundedOne() {
        for seed in UInt64(1)...500 {
            var rng = SeededRandom(seed: seed)
            let a = (0..<Int.random(in: 0...40, using: &rng)).map { _ in Int.random(in: 0..<4, using: &rng) }
            let b = (0..<Int.random(in: 0...40, using: &rng)).map { _ in Int.random(in: 0..<4, using: &rng) }
            var budget = 1_000_000
            #expect(LineDiff.matches(a, b, budget: &budget) == LineDiff.matches(a, b), "seed \(seed)")
            #expect(budget >= 0 && budget <= 1_000_000)
        }
    }

    /// The steps of the pathological pair grow about with N^2; a budget below them gives up.
    @Test func thePathologicalPairIsQuadraticAndTheBudgetStopsIt() {
        func steps(_ lines: Int) -> Int {
            var interner = LineInterner()
            let (base, current) = pathological(lines: lines)
            var budget = Int.max
            _ = LineDiff.matches(ids(base, &interner), ids(current, &interner), budget: &budget)
            return Int.max - budget
        }
        let small = steps(1_000), large = steps(4_000)
        #expect(large > 10 * small, "\(small) steps for 1,000 lines, \(large) for 4,000")
        var interner = LineInterner()
        let (base, current) = pathological(lines: 4_000)
        var budget = large / 2
        #expect(LineDiff.matches(ids(base, &interner), ids(current, &interner), budget: &budget) == nil)
        #expect(budget < 0)
    }

    /// An everyday edit of a long text (one line changed on each side of 30,000) costs little.
    @Test func anEverydayEditOfALongTextIsCheap() throws {
        let lines = (0..<30_000).map { "line \($0) of a long document\n" }
        var current = lines, proposed = lines
        current[100] = "changed here\n"
        proposed[20_000] = "and changed there\n"
        var budget = 10_000
        let outcome = TextMerge.merge3(base: lines.joined(), current: current.joined(), proposed: proposed.joined(), budget: &budget)
        var expected = lines
        expected[100] = current[100]
        expected[20_000] = proposed[20_000]
        #expect(outcome == .merged(expected.joined()))
    }

    /// A stale state write whose merge needs more steps is refused, naming the setting, and
    /// writes nothing; a cheap merge of the same row still goes through.
    @Test func aStaleWriteOverTheBudgetIsRefusedAndWritesNothing() throws {
        try withStore(configure: { $0.maxMergeDiffSteps = 1_000_000 }) { store in
            try makeSession(store)
            let (base, current) = pathological(lines: 20_000)
            let proposed = "c\n" + base.dropFirst(2)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["text": .string(base)], baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["text": .string(current)], baseVersion: 1)
            let message = storeRefusal { _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["text": .string(String(proposed))], baseVersion: 1) }
            #expect(message.hasPrefix("limit_exceeded: merging the text at text of row doc"), "\(message)")
            #expect(message.contains("max-merge-diff-steps = 1000000"))
            let row = try #require(try store.stateRow(session: "s1", actor: "alice", key: "doc"))
            #expect(row.version == 2 && row.value == ["text": .string(current)])
            // The same stale base with a change the current version did not touch merges.
            let merged = try store.writeRow(session: "s1", actor: "alice", key: "doc",
                                            value: ["text": .string(base), "title": "t"], baseVersion: 1)
            guard case .merged(let row3, _) = merged else { Issue.record("not merged: \(merged)"); return }
            #expect(row3.version == 3)
        }
    }

    /// A branch merge whose row merge needs more steps is refused whole: the branch stays open
    /// and the parent has none of its turns.
    @Test func aBranchMergeOverTheBudgetWritesNothing() throws {
        try withStore(configure: { $0.maxMergeDiffSteps = 1_000_000 }) { store in
            try makeSession(store)
            let (base, current) = pathological(lines: 20_000)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: .string(base), baseVersion: 0)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: .string(current), baseVersion: 1)
            _ = try store.writeRow(session: "b1", actor: "alice", key: "doc", value: .string("c\n" + base.dropFirst(2)), baseVersion: 1)
            let before = try store.session(id: "s1").lastTurnSeq
            _ = try store.appendTurn(session: "b1", actor: "alice", NewTurn(role: .user, content: "in the branch"))
            #expect(errorCode { _ = try store.mergeBranch(branch: "b1", actor: "alice") } == "limit_exceeded")
            #expect(try store.session(id: "s1").lastTurnSeq == before)
            #expect(try store.session(id: "b1").branchStatus == "open")
        }
    }
}
