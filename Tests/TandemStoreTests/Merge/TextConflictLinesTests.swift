import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// A text conflict names the regions that conflicted (docs/store.md, "Text merges, line by line",
/// rule 5): each as zero-based line ranges of base, current and proposed, lines as rule 1 cuts them,
/// only the unstable chunks that conflicted, in text order.
@Suite struct TextConflictLinesTests {
    /// The conflicting regions of one text merged as a row value, as (first, count) per side.
    private func regions(_ b: String, _ c: String, _ p: String) -> [[Int]]? {
        guard case .conflict(let conflicts) = ThreeWayMerge.merge(base: .string(b), current: .string(c), proposed: .string(p)),
              conflicts.count == 1, let lines = conflicts[0].lines, !conflicts[0].linesMore else { return nil }
        return lines.map { [$0.base.lowerBound, $0.base.count, $0.current.lowerBound, $0.current.count,
                            $0.proposed.lowerBound, $0.proposed.count] }
    }

    @Test func changesOnAdjacentLinesAreOneRegion() {
        #expect(regions("a\nb\nc\n", "a\nB\nc\n", "a\nb\nC\n") == [[1, 2, 1, 2, 1, 2]])
    }

    @Test func twoInsertionsAtOnePlaceAreEmptyInBase() {
        #expect(regions("a\nb\n", "a\nX\nb\n", "a\nY\nZ\nb\n") == [[1, 0, 1, 1, 1, 2]])
    }

    @Test func aDeletionAgainstAnEditIsEmptyOnTheDeletingSide() {
        #expect(regions("a\nb\nc\n", "a\nc\n", "a\nB\nc\n") == [[1, 1, 1, 0, 1, 1]])
    }

    @Test func onlyTheConflictingRegionsAreListedInTextOrder() {
        let base = (0..<10).map { "l\($0)\n" }.joined()
        // current: a line added on top (merges), line 1 changed, line 4 changed (merges: proposed
        // left it), a line after line 7; proposed: line 1 changed, line 6 deleted (merges), a line
        // after line 7. Each side's ranges count its own lines.
        let current = "top\nl0\nC1\nl2\nl3\nC4\nl5\nl6\nl7\nXc\nl8\nl9\n"
        let proposed = "l0\nP1\nl2\nl3\nl4\nl5\nl7\nXp\nl8\nl9\n"
        #expect(regions(base, current, proposed) == [[1, 1, 2, 1, 1, 1], [8, 0, 9, 1, 7, 1]])
    }

    @Test func aCRLFLineIsALineOfItsOwn() {
        #expect(regions("a\nb\nc\n", "a\nb\r\nc\n", "a\nb\nC\n") == [[1, 2, 1, 2, 1, 2]])
        #expect(regions("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n", "a\r\nb2\r\nc\r\n") == [[1, 1, 1, 1, 1, 1]])
    }

    @Test func theLastLineWithoutNewlineCountsAsALine() {
        #expect(regions("a\nb", "a\nB", "a\nb\nc") == [[1, 1, 1, 1, 1, 2]])
        // Only the final newline removed on one side, the last line changed on the other.
        #expect(regions("a\nb\n", "a\nb", "a\nB\n") == [[1, 1, 1, 1, 1, 1]])
    }

    @Test func oneRegionThatIsTheWholeOfEveryTextIsLeftOut() {
        for (b, c, p) in [("bob", "carol", "dave"), ("a\nb\n", "A\nB\n", "x\n"), ("", "x\n", "y\n"), ("t\n", "t", "T\n")] {
            guard case .conflict(let conflicts) = ThreeWayMerge.merge(base: .string(b), current: .string(c), proposed: .string(p)) else {
                Issue.record("expected a conflict: \(b) \(c) \(p)")
                continue
            }
            #expect(conflicts.count == 1 && conflicts[0].lines == nil && !conflicts[0].linesMore, "\(b) \(c) \(p)")
        }
        // One line kept by both sides is enough for the region to be a part: listed.
        #expect(regions("k\nbob\n", "k\ncarol\n", "k\ndave\n") == [[1, 1, 1, 1, 1, 1]])
    }

    @Test func nestedTextsCarryTheirRegionsOtherConflictsNone() {
        let base: JSONValue = ["n": 1, "doc": "a\nb\nc\n"]
        guard case .conflict(let conflicts) = ThreeWayMerge.merge(base: base, current: ["n": 2, "doc": "a\nB\nc\n"],
                                                                  proposed: ["n": 3, "doc": "a\nb2\nc\n"]) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(conflicts.map(\.path) == [["doc"], ["n"]])
        #expect(conflicts[0].lines == [ConflictingLines(base: 1..<2, current: 1..<2, proposed: 1..<2)])
        #expect(conflicts[1].lines == nil)
        // A string against a number, or a string both sides added: no line ranges.
        guard case .conflict(let kinds) = ThreeWayMerge.merge(base: ["s": "x\n"], current: ["s": "y\n", "t": "a\n"],
                                                              proposed: ["s": 1, "t": "b\n"]) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(kinds.map(\.path) == [["s"], ["t"]])
        #expect(kinds.allSatisfy { $0.lines == nil && !$0.linesMore })
    }

    /// `count` conflicting regions: each base line kept, each side inserting its own line after it.
    private static func manyConflicts(_ count: Int) -> (base: JSONValue, current: JSONValue, proposed: JSONValue) {
        let base = String(repeating: "s\n", count: count)
        let current = String(repeating: "s\nx\n", count: count), proposed = String(repeating: "s\ny\n", count: count)
        return (.string(base), .string(current), .string(proposed))
    }

    @Test func oneMergeReportsAtMostTheCapInPathOrder() {
        let cap = ThreeWayMerge.defaultMaxConflictLines
        let first = Self.manyConflicts(cap * 3 / 5), second = Self.manyConflicts(cap * 3 / 5)
        let base: JSONValue = ["a": first.base, "b": second.base, "c": "h\nk\n"]
        let current: JSONValue = ["a": first.current, "b": second.current, "c": "h\nk1\n"]
        let proposed: JSONValue = ["a": first.proposed, "b": second.proposed, "c": "h\nk2\n"]
        guard case .conflict(let conflicts) = ThreeWayMerge.merge(base: base, current: current, proposed: proposed) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(conflicts.map(\.path) == [["a"], ["b"], ["c"]])
        #expect(conflicts.map { $0.lines?.count } == [cap * 3 / 5, cap - cap * 3 / 5, 0])
        #expect(conflicts.map(\.linesMore) == [false, true, true])
        // The regions kept are the first ones: after base line i (0-based) each side's line 2i + 1.
        #expect(conflicts[1].lines?.last == ConflictingLines(base: (cap - cap * 3 / 5)..<(cap - cap * 3 / 5),
                                                             current: (2 * (cap - cap * 3 / 5) - 1)..<(2 * (cap - cap * 3 / 5)),
                                                             proposed: (2 * (cap - cap * 3 / 5) - 1)..<(2 * (cap - cap * 3 / 5))))
        // Exactly the cap in one text is not cut.
        let exact = Self.manyConflicts(cap)
        guard case .conflict(let one) = ThreeWayMerge.merge(base: exact.base, current: exact.current, proposed: exact.proposed) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(one[0].lines?.count == cap && !one[0].linesMore)
    }

    /// The caller sets the cap (the server's `max-conflict-lines`): over all the texts of one merge,
    /// 0 listing none (every text with regions says `linesMore`).
    @Test func theCallerSetsTheCap() throws {
        let five = Self.manyConflicts(5)
        let base: JSONValue = ["a": five.base, "b": five.base]
        let current: JSONValue = ["a": five.current, "b": five.current]
        let proposed: JSONValue = ["a": five.proposed, "b": five.proposed]
        for (cap, counts, more) in [(7, [5, 2], [false, true]), (0, [0, 0], [true, true]), (10, [5, 5], [false, false])] {
            guard case .conflict(let conflicts) = try ThreeWayMerge.merge(base: base, current: current, proposed: proposed,
                                                                            diffBudget: .max, maxConflictLines: cap) else {
                Issue.record("expected a conflict")
                return
            }
            #expect(conflicts.map { $0.lines?.count } == counts, "cap \(cap)")
            #expect(conflicts.map(\.linesMore) == more, "cap \(cap)")
        }
    }

    /// `StoreConfiguration.maxConflictLines` bounds what a stale row write's conflict lists.
    @Test func theStoreListsWhatItsConfigurationSays() throws {
        try withStore(configure: { $0.maxConflictLines = 4 }) { store in
            try makeSession(store)
            let many = Self.manyConflicts(9)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: many.base, baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: many.current, baseVersion: 1)
            let answer = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: many.proposed, baseVersion: 1)
            guard case .conflict(_, _, let conflicts, _, _) = answer else {
                Issue.record("expected a conflict: \(answer)")
                return
            }
            #expect(conflicts.first?.lines?.count == 4 && conflicts.first?.linesMore == true)
        }
    }
}
