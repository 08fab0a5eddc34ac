import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// The walk over a merge's values spends the same budget as its line diffs (`ThreeWayMerge`'s
/// `stepsPer...` costs): a budget never changes an answer, it only refuses, and says what used it up.
@Suite struct MergeWalkBudgetTests {
    /// Seeded random triples: with exactly the steps the merge spends it gives the unbounded answer;
    /// with one step fewer it is refused (a merge that spends any).
    @Test func aBudgetOnlyRefusesNeverChangesTheAnswer() throws {
        for seed in UInt64(1)...300 {
            var rng = SeededRandom(seed: seed)
            let base = RandomJSON.object(&rng, depth: 3)
            let (current, proposed) = (RandomJSON.mutate(base, &rng), RandomJSON.mutate(base, &rng))
            var spent = Int.max
            let unbounded = try ThreeWayMerge.merge(base: base, current: current, proposed: proposed, diffBudget: &spent)
            #expect(unbounded == ThreeWayMerge.merge(base: base, current: current, proposed: proposed), "seed \(seed)")
            let steps = Int.max - spent
            #expect(steps > 0, "seed \(seed): even a merge that compares only spends steps")
            #expect(try ThreeWayMerge.merge(base: base, current: current, proposed: proposed, diffBudget: steps) == unbounded, "seed \(seed)")
            #expect(throws: MergeTooCostly.self, "seed \(seed)") {
                try ThreeWayMerge.merge(base: base, current: current, proposed: proposed, diffBudget: steps - 1)
            }
        }
    }

    /// Objects merged key by key use the budget up in their walk (`values`); a long text that
    /// differs throughout in its diff (`lineDiff`), each naming where.
    @Test func theRefusalSaysWhatUsedTheBudgetUp() {
        func many(_ first: String, _ last: String) -> JSONValue {
            .object(["doc": .object(Dictionary(uniqueKeysWithValues: (0..<1_000).map { ("k\($0)", JSONValue.object(["f": .string(first), "l": .string(last)])) }))])
        }
        // Charged as the walk goes: it runs out in "doc", or in the member of it being merged.
        let walk = #expect(throws: MergeTooCostly.self) {
            try ThreeWayMerge.merge(base: many("a", "z"), current: many("A", "z"), proposed: many("a", "Z"), diffBudget: 100_000)
        }
        #expect(walk?.cause == .values && walk?.path.first == "doc" && (walk?.path.count ?? 0) <= 2, "\(String(describing: walk))")
        let lines = (0..<2_000).map { $0 % 2 == 0 ? "a\n" : "b\n" }
        let text = JSONValue.object(["t": .string(lines.joined())])
        let sorted = JSONValue.object(["t": .string(lines.sorted().joined())])
        let edited = JSONValue.object(["t": .string("c\n" + lines.dropFirst().joined())])
        #expect(throws: MergeTooCostly(path: ["t"], cause: .lineDiff)) {
            try ThreeWayMerge.merge(base: text, current: sorted, proposed: edited, diffBudget: 100_000)
        }
    }
}
