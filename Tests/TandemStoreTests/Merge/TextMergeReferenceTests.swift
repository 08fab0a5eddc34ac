import Testing
@testable import TandemMerge
@testable import TandemStore

/// The text merge's faster set-up (lines shared with base at both ends reuse base's ids, search
/// arrays sized to the box left after trimming) must not change a single answer: each generated
/// triple is merged by the current code and by `ReferenceTextMerge` (the code before), and the
/// outcomes, hunks' line ranges included, must match byte for byte, as must what budget is spent
/// and whether the budget runs out.
@Suite struct TextMergeReferenceTests {
    /// Byte-exact comparison (String's `==` accepts canonically equivalent spellings).
    private func same(_ x: TextMergeOutcome?, _ y: TextMergeOutcome?) -> Bool {
        switch (x, y) {
        case (nil, nil): return true
        case (.merged(let p)?, .merged(let q)?): return p.utf8.elementsEqual(q.utf8)
        case (.conflict(let p)?, .conflict(let q)?):
            return p.count == q.count && zip(p, q).allSatisfy { h, k in
                h.baseLines == k.baseLines && h.currentLines == k.currentLines && h.proposedLines == k.proposedLines
                    && h.base.utf8.elementsEqual(k.base.utf8) && h.current.utf8.elementsEqual(k.current.utf8)
                    && h.proposed.utf8.elementsEqual(k.proposed.utf8)
            }
        default: return false
        }
    }

    private func check(_ base: String, _ current: String, _ proposed: String, budget: Int = .max,
                       _ comment: Testing.Comment) {
        var newBudget = budget, oldBudget = budget
        let new = TextMerge.mergeLines(base: base, current: current, proposed: proposed, budget: &newBudget)
        let old = ReferenceTextMerge.mergeLines(base: base, current: current, proposed: proposed, budget: &oldBudget)
        #expect(same(new, old), comment)
        #expect(newBudget == oldBudget, comment)
    }

    /// Short texts from a small pool of lines (many repeats, CRLF, no final newline, non-ASCII).
    @Test func shortTextsFromARepetitivePool() {
        for seed in UInt64(1)...3000 {
            var rng = SeededRandom(seed: seed)
            let base = seed % 3 == 0 ? RandomText.document(&rng) : RandomText.text(&rng)
            let current = RandomText.mutate(base, &rng), proposed = RandomText.mutate(base, &rng)
            check(base, current, proposed, "seed \(seed)")
            // A side that is not derived from base, and base against itself on one side.
            check(base, RandomText.text(&rng), proposed, "seed \(seed), unrelated current")
            check(base, base, proposed, "seed \(seed), unchanged current")
        }
    }

    /// Longer texts edited near the ends and in the middle, where the shared start and end
    /// are long: the case the faster set-up skips hashing for.
    @Test func longTextsWithLocalEdits() {
        for seed in UInt64(1)...300 {
            var rng = SeededRandom(seed: seed)
            var lines = (0..<Int.random(in: 0...200, using: &rng)).map { _ in rng.pick(RandomText.pool) }
            let base = RandomText.join(lines, &rng)
            func edited(_ rng: inout SeededRandom) -> String {
                var copy = lines
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    // Edits cluster at the start, the end or anywhere.
                    let at: Int
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: at = Int.random(in: 0...min(2, copy.count), using: &rng)
                    case 1: at = max(0, copy.count - Int.random(in: 0...2, using: &rng))
                    default: at = Int.random(in: 0...copy.count, using: &rng)
                    }
                    if at < copy.count && rng.chance(50) { copy.remove(at: at) } else { copy.insert(rng.pick(RandomText.pool), at: at) }
                }
                return RandomText.join(copy, &rng)
            }
            let current = edited(&rng), proposed = edited(&rng)
            check(base, current, proposed, "seed \(seed)")
            // A tight budget: the same texts must run out (or not) at the same point.
            check(base, current, proposed, budget: Int.random(in: 0...400, using: &rng), "seed \(seed), small budget")
            lines.shuffle(using: &rng)
        }
    }

    /// Texts whose shared ends meet or overlap (a side that repeats base's lines, or only adds
    /// or drops a final newline), where the prefix and suffix runs must not overlap.
    @Test func sharedEndsThatMeet() {
        let cases: [(String, String, String)] = [
            ("y\n", "y\ny\n", "z\ny\n"), ("a", "a\n", "ab"), ("a\n", "a", "a\nb"), ("", "x\n", "x"),
            ("x\nx\n", "x\n", "x\nx\nx\n"), ("a\r\nb", "a\r\nb\r\n", "a\nb"), ("é\n", "e\u{301}\n", "é\nx\n"),
        ]
        for (i, (b, c, p)) in cases.enumerated() {
            check(b, c, p, "case \(i)")
            check(b, p, c, "case \(i) swapped")
        }
    }
}
