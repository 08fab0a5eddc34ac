import Testing
@testable import TandemMerge
@testable import TandemStore

/// Seeded random texts; each failure names its seed. `mergeLines` is the chunk walk without
/// the whole-text shortcuts of `merge3`, so the properties test the algorithm itself.
@Suite struct TextMergePropertyTests {
    static let seeds: ClosedRange<UInt64> = 1...1200

    private func triple(_ seed: UInt64) -> (String, String, String) {
        var rng = SeededRandom(seed: seed)
        let base = RandomText.text(&rng)
        return (base, RandomText.mutate(base, &rng), RandomText.mutate(base, &rng))
    }

    /// Byte-exact (String's `==` would accept canonically equivalent spellings).
    private func isExactly(_ outcome: TextMergeOutcome, _ text: String) -> Bool {
        if case .merged(let result) = outcome { return result.utf8.elementsEqual(text.utf8) }
        return false
    }

    @Test func unchangedSideTakesTheOther() {
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            #expect(isExactly(TextMerge.mergeLines(base: b, current: x, proposed: b), x), "seed \(seed)")
            #expect(isExactly(TextMerge.mergeLines(base: b, current: b, proposed: y), y), "seed \(seed)")
            #expect(isExactly(TextMerge.merge3(base: b, current: x, proposed: b), x), "seed \(seed)")
            #expect(isExactly(TextMerge.merge3(base: b, current: b, proposed: y), y), "seed \(seed)")
        }
    }

    @Test func identicalChangesMerge() {
        for seed in Self.seeds {
            let (b, x, _) = triple(seed)
            #expect(isExactly(TextMerge.mergeLines(base: b, current: x, proposed: x), x), "seed \(seed)")
        }
    }

    /// Swapping sides gives the same text, or the same hunks with sides swapped; every hunk's
    /// texts are its line ranges of the inputs, and it is a real conflict.
    @Test func mergeIsSymmetricAndHunksDescribeTheInputs() {
        var conflicts = 0
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            let forward = TextMerge.mergeLines(base: b, current: x, proposed: y)
            let swapped = TextMerge.mergeLines(base: b, current: y, proposed: x)
            switch (forward, swapped) {
            case (.merged(let m1), .merged(let m2)):
                #expect(m1.utf8.elementsEqual(m2.utf8), "seed \(seed)")
            case (.conflict(let h1), .conflict(let h2)):
                conflicts += 1
                #expect(h1.map(\.currentLines) == h2.map(\.proposedLines), "seed \(seed)")
                #expect(h1.map(\.current) == h2.map(\.proposed), "seed \(seed)")
                let (bl, xl, yl) = (splitLines(b), splitLines(x), splitLines(y))
                for hunk in h1 {
                    #expect(hunk.base == bl[hunk.baseLines].joined(), "seed \(seed)")
                    #expect(hunk.current == xl[hunk.currentLines].joined(), "seed \(seed)")
                    #expect(hunk.proposed == yl[hunk.proposedLines].joined(), "seed \(seed)")
                    #expect(hunk.current != hunk.base && hunk.proposed != hunk.base && hunk.current != hunk.proposed,
                            "seed \(seed)")
                }
            default:
                Issue.record("seed \(seed): merged one way, conflict the other")
            }
        }
        #expect(conflicts > 100, "only \(conflicts) conflicts")
    }

    /// Edits in disjoint line regions with at least one untouched line between them always
    /// merge to the base with every edit applied. Base lines are distinct and inserted lines
    /// new, so the alignment is unambiguous (repeated lines can make diff3 align an edit next to
    /// the other side's region, which it then reports as a conflict, like every diff3).
    @Test func disjointNonAdjacentEditsMergeToIncludeBoth() {
        var merged = 0
        for seed in Self.seeds {
            var rng = SeededRandom(seed: seed &* 104_729)
            let count = Int.random(in: 1...12, using: &rng)
            var base = (0..<count).map { i in rng.pick(["line \(i)\n", "línea \(i)\r\n", "行 \(i)\n", "\(i)"]) }
            for i in base.indices.dropLast() where !endsWithNewline(base[i]) { base[i] += "\n" }
            let unterminated = !endsWithNewline(base[count - 1])
            // Regions [start, end) in order, each followed by at least one untouched line.
            var regions: [(range: Range<Int>, lines: [String], current: Bool)] = []
            var position = Int.random(in: 0...1, using: &rng)
            var fresh = 0
            while position <= count {
                let end = min(count, position + Int.random(in: 0...2, using: &rng))
                let inserted = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                    fresh += 1
                    return rng.pick(["new \(fresh)\n", "nuevo ✓ \(fresh)\r\n"])
                }
                let appendsAfterUnterminated = unterminated && position == count && !inserted.isEmpty
                if (end > position || !inserted.isEmpty) && !appendsAfterUnterminated {
                    regions.append((position..<end, inserted, rng.chance(50)))
                }
                position = end + 1 + Int.random(in: 0...2, using: &rng)
            }
            func apply(_ chosen: [(range: Range<Int>, lines: [String], current: Bool)]) -> String {
                var lines = base
                for region in chosen.reversed() { lines.replaceSubrange(region.range, with: region.lines) }
                return lines.joined()
            }
            let b = base.joined()
            let x = apply(regions.filter(\.current)), y = apply(regions.filter { !$0.current })
            let expected = apply(regions)
            let outcome = TextMerge.merge3(base: b, current: x, proposed: y)
            #expect(isExactly(outcome, expected), "seed \(seed): \(outcome)")
            if regions.contains(where: \.current) && regions.contains(where: { !$0.current }) { merged += 1 }
        }
        #expect(merged > 500, "only \(merged) cases edited both sides")
    }

    /// The chunks cover each text exactly once, in order, and stable chunks are equal everywhere.
    @Test func chunksPartitionTheTexts() {
        for seed in Self.seeds {
            let (b, x, y) = triple(seed)
            var interner = LineInterner()
            let o = interner.ids(of: LineText(b)), a = interner.ids(of: LineText(x)), p = interner.ids(of: LineText(y))
            var next = (0, 0, 0)
            for chunk in Diff3.chunks(base: o, current: a, proposed: p) {
                #expect(chunk.base.lowerBound == next.0 && chunk.current.lowerBound == next.1
                        && chunk.proposed.lowerBound == next.2, "seed \(seed)")
                #expect(!(chunk.base.isEmpty && chunk.current.isEmpty && chunk.proposed.isEmpty), "seed \(seed)")
                if chunk.stable {
                    #expect(o[chunk.base] == a[chunk.current] && o[chunk.base] == p[chunk.proposed], "seed \(seed)")
                }
                next = (chunk.base.upperBound, chunk.current.upperBound, chunk.proposed.upperBound)
            }
            #expect(next == (o.count, a.count, p.count), "seed \(seed)")
        }
    }
}
