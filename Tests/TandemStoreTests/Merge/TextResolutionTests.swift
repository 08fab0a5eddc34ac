import Testing
@testable import TandemMerge

/// `TextMerge.resolve`: the merge with one side's lines where the two conflict, as a person settling
/// a text conflict for that side means it (the terminal client's `ours` and `theirs`).
@Suite struct TextResolutionTests {
    @Test func eachSidesLinesWhereTheyConflictAndBothSidesChangesElsewhere() {
        let base = "goal: ship\n\nowner: bob\ndue: friday\n\nrisks: none\n"
        let current = "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n\nrisks: none\n"
        let proposed = "goal: ship\n\nowner: dave\ndue: friday\n\nrisks: scope\n"
        #expect(resolve(base, current, proposed, .proposed) == "goal: ship 2.0\n\nowner: dave\ndue: friday\n\nrisks: scope\n")
        #expect(resolve(base, current, proposed, .current)
                == "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n\nrisks: scope\n")
        // A change next to the other side's is part of the region: taken with its side, or not at all.
        let monday = proposed.replacing("due: friday", with: "due: monday")
        #expect(resolve(base, current, monday, .current) == current.replacing("risks: none", with: "risks: scope"))
        // A conflict on the first line; each side's change to a line of its own, a stable line apart
        // (adjacent ones would conflict), whatever the side taken; the last line without a newline.
        let b = "a\nb\nc\nd\ne\nf\ng", c = "A\nb\nc\nD\ne\nf\ng", p = "a2\nb\nc\nd\ne\nf\ng!"
        #expect(resolve(b, c, p, .proposed) == "a2\nb\nc\nD\ne\nf\ng!")
        #expect(resolve(b, c, p, .current) == "A\nb\nc\nD\ne\nf\ng!")
    }

    @Test func withoutAConflictItIsTheMerge() {
        for seed in TextMergePropertyTests.seeds {
            var rng = SeededRandom(seed: seed)
            let b = RandomText.text(&rng)
            let (x, y) = (RandomText.mutate(b, &rng), RandomText.mutate(b, &rng))
            var budget = Int.max
            let current = TextMerge.resolve(base: b, current: x, proposed: y, taking: .current, budget: &budget)!
            let proposed = TextMerge.resolve(base: b, current: x, proposed: y, taking: .proposed, budget: &budget)!
            switch TextMerge.merge3(base: b, current: x, proposed: y) {
            case .merged(let merged):
                #expect(current.utf8.elementsEqual(merged.utf8) && proposed.utf8.elementsEqual(merged.utf8), "seed \(seed)")
            case .conflict(let hunks):
                // The two differ only in the regions: each holds its side's lines there.
                let delta = hunks.reduce(0) { $0 + $1.proposed.utf8.count - $1.current.utf8.count }
                #expect(proposed.utf8.count - current.utf8.count == delta, "seed \(seed)")
                for h in hunks {
                    #expect(contains(current, h.current) && contains(proposed, h.proposed), "seed \(seed)")
                }
            }
        }
    }

    @Test func aDiffPastItsBudgetIsNoAnswer() {
        // Alternating lines against the same lines sorted: every line shared, half of them moved,
        // so the line diff walks far (MergeDiffBudgetTests' pathological pair).
        let b = (0..<400).map { $0 % 2 == 0 ? "a\n" : "b\n" }.joined()
        let c = String(repeating: "a\n", count: 200) + String(repeating: "b\n", count: 200), p = b + "p\n"
        var budget = 1_000
        #expect(TextMerge.resolve(base: b, current: c, proposed: p, taking: .proposed, budget: &budget) == nil)
        #expect(budget < 0)
        budget = .max
        #expect(TextMerge.resolve(base: b, current: c, proposed: p, taking: .proposed, budget: &budget) == c + "p\n")
    }

    /// Byte for byte (String's `contains` compares characters, and a region may start with a mark).
    private func contains(_ text: String, _ part: String) -> Bool {
        let t = Array(text.utf8), p = Array(part.utf8)
        guard !p.isEmpty else { return true }
        guard t.count >= p.count else { return false }
        return (0...(t.count - p.count)).contains { t[$0..<($0 + p.count)].elementsEqual(p) }
    }

    private func resolve(_ b: String, _ c: String, _ p: String, _ side: TextMerge.Side) -> String? {
        var budget = Int.max
        return TextMerge.resolve(base: b, current: c, proposed: p, taking: side, budget: &budget)
    }
}
