import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// Seeded random cases: each failure names its seed, so it reproduces exactly.
@Suite struct ThreeWayMergePropertyTests {
    static let seeds: ClosedRange<UInt64> = 1...1000

    /// A base object and two independent variants of it; sometimes a variant is a fresh value,
    /// sometimes the base is not an object at all. One seed in three has both sides editing one
    /// shared document text (besides a few other edits), so line-wise merges inside objects occur.
    private func triple(_ seed: UInt64) -> (JSONValue, JSONValue, JSONValue) {
        var rng = SeededRandom(seed: seed)
        if seed % 3 == 0 {
            let doc = RandomText.document(&rng)
            let base = JSONPath.setting(.string(doc), at: ["doc"], in: RandomJSON.object(&rng, depth: 2))
            func variant(_ rng: inout SeededRandom) -> JSONValue {
                let edited = JSONPath.setting(.string(RandomText.mutate(doc, &rng)), at: ["doc"], in: base)
                return RandomJSON.mutate(edited, &rng, percent: 5)
            }
            return (base, variant(&rng), variant(&rng))
        }
        let base = rng.chance(90) ? RandomJSON.object(&rng, depth: 3) : RandomJSON.value(&rng, depth: 2)
        let x = rng.chance(90) ? RandomJSON.mutate(base, &rng) : RandomJSON.value(&rng, depth: 2)
        let y = rng.chance(90) ? RandomJSON.mutate(base, &rng) : RandomJSON.value(&rng, depth: 2)
        return (base, x, y)
    }

    @Test func unchangedSideTakesTheOther() {
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            #expect(ThreeWayMerge.merge(base: b, current: x, proposed: b) == .merged(x), "seed \(seed)")
            #expect(ThreeWayMerge.merge(base: b, current: b, proposed: y) == .merged(y), "seed \(seed)")
        }
    }

    @Test func identicalChangesMerge() {
        for seed in Self.seeds {
            let (b, x, _) = triple(seed)
            #expect(ThreeWayMerge.merge(base: b, current: x, proposed: x) == .merged(x), "seed \(seed)")
        }
    }

    /// Every answer passes the independent oracle: clean merges lose no change and invent no
    /// value; conflicts report the inputs' values at real, sorted paths. Both answers occur.
    @Test func mergesAreNeverSilentlyLossyAndConflictsReportInputs() {
        var merged = 0, conflicted = 0, textMerges = 0
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            switch ThreeWayMerge.merge(base: b, current: x, proposed: y) {
            case .merged(let result):
                merged += 1
                // A value neither side holds can only come from merging both sides' text edits.
                if MergeOracle.changes(from: b, to: result).contains(where: {
                    $0.value != JSONPath.value(at: $0.path, in: x) && $0.value != JSONPath.value(at: $0.path, in: y)
                }) { textMerges += 1 }
                let problems = MergeOracle.problemsWithMerge(base: b, current: x, proposed: y, result: result)
                #expect(problems.isEmpty, "seed \(seed): \(problems)")
            case .conflict(let conflicts):
                conflicted += 1
                let problems = MergeOracle.problemsWithConflicts(base: b, current: x, proposed: y, conflicts: conflicts)
                #expect(problems.isEmpty, "seed \(seed): \(problems)")
            }
        }
        #expect(merged > 100 && conflicted > 100 && textMerges > 50,
                "cases: \(merged) merged (\(textMerges) with text merges), \(conflicted) conflicts")
    }

    /// Swapping sides gives the same merge, or the same conflicts with the sides swapped.
    @Test func mergeIsSymmetric() {
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            let forward = ThreeWayMerge.merge(base: b, current: x, proposed: y)
            let swapped = ThreeWayMerge.merge(base: b, current: y, proposed: x)
            switch (forward, swapped) {
            case (.merged(let r1), .merged(let r2)):
                #expect(r1 == r2, "seed \(seed)")
            case (.conflict(let c1), .conflict(let c2)):
                // A text's conflicting regions too: the same chunks, their sides swapped.
                let unswapped = c2.map {
                    MergeConflict(path: $0.path, base: $0.base, current: $0.proposed, proposed: $0.current,
                                  lines: $0.lines?.map { ConflictingLines(base: $0.base, current: $0.proposed, proposed: $0.current) },
                                  linesMore: $0.linesMore)
                }
                #expect(c1 == unswapped, "seed \(seed)")
            default:
                Issue.record("seed \(seed): merged one way, conflict the other")
            }
        }
    }

    /// Edits generated on disjoint paths (neither a prefix of another) always merge to the
    /// base with all of them applied.
    @Test func disjointEditsMergeToTheUnion() {
        var edited = 0
        for seed in Self.seeds {
            var rng = SeededRandom(seed: seed &* 7919)
            let base = RandomJSON.object(&rng, depth: 3)
            var candidates: [[String]] = []
            for parent in JSONPath.objectPaths(in: base) {
                for key in RandomJSON.keys + ["new"] where rng.chance(40) { candidates.append(parent + [key]) }
            }
            candidates.shuffle(using: &rng)
            var chosen: [[String]] = []
            for path in candidates where chosen.count < 6 {
                let related = chosen.contains { $0.starts(with: path) || path.starts(with: $0) }
                if !related { chosen.append(path) }
            }
            var current = base, proposed = base, union = base
            for path in chosen {
                let newValue: JSONValue? = rng.chance(25) ? nil : RandomJSON.value(&rng, depth: 2)
                if rng.chance(50) {
                    current = JSONPath.setting(newValue, at: path, in: current)
                } else {
                    proposed = JSONPath.setting(newValue, at: path, in: proposed)
                }
                union = JSONPath.setting(newValue, at: path, in: union)
            }
            if current != base && proposed != base { edited += 1 }
            #expect(ThreeWayMerge.merge(base: base, current: current, proposed: proposed) == .merged(union),
                    "seed \(seed)")
        }
        #expect(edited > 500, "only \(edited) cases edited both sides")
    }
}

/// `mergeKeepingCurrent`'s value is what resolving every conflict with current's side gives: the
/// proposed value with current's side put at each conflicting path merges cleanly to exactly it. So a
/// writer that sets the conflicting paths in it and writes that on the current version loses no change
/// that merged, of either side.
@Suite struct MergeKeepingCurrentTests {
    @Test func itIsTheMergeWithEveryConflictSettledAsCurrent() {
        var conflicted = 0
        for seed in ThreeWayMergePropertyTests.seeds {
            var rng = SeededRandom(seed: seed &* 104_729)
            let base = rng.chance(90) ? RandomJSON.object(&rng, depth: 3) : RandomJSON.value(&rng, depth: 2)
            let x = rng.chance(90) ? RandomJSON.mutate(base, &rng) : RandomJSON.value(&rng, depth: 2)
            let y = rng.chance(90) ? RandomJSON.mutate(base, &rng) : RandomJSON.value(&rng, depth: 2)
            var budget = Int.max
            let (outcome, keeping) = try! ThreeWayMerge.mergeKeepingCurrent(base: base, current: x, proposed: y, diffBudget: &budget)
            switch outcome {
            case .merged(let value):
                #expect(keeping == value, "seed \(seed)")
            case .conflict(let conflicts):
                conflicted += 1
                var settled = y
                for c in conflicts { settled = JSONPath.setting(c.current, at: c.path, in: settled) }
                #expect(ThreeWayMerge.merge(base: base, current: x, proposed: settled) == .merged(keeping), "seed \(seed)")
                // Each conflicting path holds current's side in it.
                for c in conflicts { #expect(JSONPath.value(at: c.path, in: keeping) == c.current, "seed \(seed) \(c.path)") }
            }
        }
        #expect(conflicted > 100, "only \(conflicted) conflicts")
    }

    /// Both sides changed other members besides the one they clash on: everything but the clash merged.
    @Test func aConflictKeepsWhatMergedOfBothSides() {
        let base: JSONValue = ["owner": "bob", "steps": ["draft"], "doc": "a\nb\nc\nd\n"]
        let current: JSONValue = ["owner": "carol", "steps": ["draft", "review"], "doc": "A\nb\nc\nd\n"]
        let proposed: JSONValue = ["owner": "dave", "steps": ["draft"], "doc": "a\nb\nc\nD\n", "due": "friday"]
        var budget = Int.max
        let (outcome, keeping) = try! ThreeWayMerge.mergeKeepingCurrent(base: base, current: current, proposed: proposed, diffBudget: &budget)
        #expect(outcome == .conflict([MergeConflict(path: ["owner"], base: "bob", current: "carol", proposed: "dave")]))
        #expect(keeping == ["owner": "carol", "steps": ["draft", "review"], "doc": "A\nb\nc\nD\n", "due": "friday"])
    }
}
