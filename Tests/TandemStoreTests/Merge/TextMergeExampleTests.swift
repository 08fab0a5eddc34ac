import Testing
@testable import TandemMerge
@testable import TandemStore

@Suite struct TextMergeExampleTests {
    private func merge(_ b: String, _ c: String, _ p: String) -> TextMergeOutcome {
        TextMerge.merge3(base: b, current: c, proposed: p)
    }

    /// Byte-exact comparison: String's `==` treats canonically equivalent texts as equal.
    private func expectExactly(_ outcome: TextMergeOutcome, _ text: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .merged(let result) = outcome else {
            Issue.record("expected a merge, got \(outcome)", sourceLocation: sourceLocation)
            return
        }
        #expect(Array(result.utf8) == Array(text.utf8), sourceLocation: sourceLocation)
    }

    @Test func disjointLineEditsMerge() {
        let base = "one\ntwo\nthree\nfour\nfive\n"
        expectExactly(merge(base, "ONE\ntwo\nthree\nfour\nfive\n", "one\ntwo\nthree\nfour\nFIVE\n"),
                      "ONE\ntwo\nthree\nfour\nFIVE\n")
    }

    @Test func sameLineEditedDifferentlyConflicts() {
        #expect(merge("a\nb\nc\n", "a\nB\nc\n", "a\nbb\nc\n") == .conflict([TextConflictHunk(
            baseLines: 1..<2, currentLines: 1..<2, proposedLines: 1..<2, base: "b\n", current: "B\n", proposed: "bb\n")]))
    }

    @Test func insertionsAndDeletionsInDifferentPlaces() {
        let base = "1\n2\n3\n4\n5\n6\n"
        expectExactly(merge(base, "1\n2\n3\n4\n5\n6\n7\n", "0\n1\n2\n4\n5\n6\n"), "0\n1\n2\n4\n5\n6\n7\n")
        expectExactly(merge(base, "1\n3\n4\n5\n6\n", "1\n2\n3\n4\n5\nsix\n"), "1\n3\n4\n5\nsix\n")
    }

    @Test func identicalEditsOnBothSides() {
        expectExactly(merge("a\nb\nc\nd\n", "a\nX\nc\nd\nE\n", "a\nX\nc\nd\n"), "a\nX\nc\nd\nE\n")
    }

    @Test func adjacentEditsConflictAsInDiff3() {
        // Lines 2 and 3 touch: diff3 cannot tell in which order to apply them.
        guard case .conflict(let hunks) = merge("1\n2\n3\n4\n", "1\nTWO\n3\n4\n", "1\n2\nTHREE\n4\n") else {
            Issue.record("expected a conflict")
            return
        }
        #expect(hunks == [TextConflictHunk(baseLines: 1..<3, currentLines: 1..<3, proposedLines: 1..<3,
                                           base: "2\n3\n", current: "TWO\n3\n", proposed: "2\nTHREE\n")])
    }

    @Test func differentInsertionsAtOnePlaceConflict() {
        #expect(merge("a\nb\n", "a\nx\nb\n", "a\ny\nb\n") == .conflict([TextConflictHunk(
            baseLines: 1..<1, currentLines: 1..<2, proposedLines: 1..<2, base: "", current: "x\n", proposed: "y\n")]))
    }

    @Test func deletionAgainstEditConflicts() {
        #expect(merge("a\nb\nc\n", "a\nc\n", "a\nB\nc\n") == .conflict([TextConflictHunk(
            baseLines: 1..<2, currentLines: 1..<1, proposedLines: 1..<2, base: "b\n", current: "", proposed: "B\n")]))
    }

    @Test func everyHunkIsReportedInOrder() {
        let outcome = merge("1\n2\n3\n4\n5\n", "A\n2\n3\n4\nE\n", "a\n2\n3\n4\ne\n")
        guard case .conflict(let hunks) = outcome else {
            Issue.record("expected conflicts")
            return
        }
        #expect(hunks.map(\.baseLines) == [0..<1, 4..<5])
        #expect(hunks.map(\.current) == ["A\n", "E\n"])
    }

    @Test func missingFinalNewlineRoundTrips() {
        expectExactly(merge("a\nb\nc", "A\nb\nc", "a\nb\nc"), "A\nb\nc")
        expectExactly(merge("a\nb\nc", "A\nb\nc", "a\nb\nC"), "A\nb\nC")
        expectExactly(merge("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc"), "A\nb\nc")
        expectExactly(merge("a\nb\nc", "A\nb\nc", "a\nb\nc\n"), "A\nb\nc\n")
    }

    @Test func finalNewlineAddedDifferentlyConflicts() {
        // "c" and "c\n" are different lines: one side ends the text, the other appends to it.
        #expect(merge("a\nb\nc", "a\nb\nc\n", "a\nb\ncd") == .conflict([TextConflictHunk(
            baseLines: 2..<3, currentLines: 2..<3, proposedLines: 2..<3, base: "c", current: "c\n", proposed: "cd")]))
    }

    @Test func emptyStrings() {
        expectExactly(merge("", "", ""), "")
        expectExactly(merge("", "x", ""), "x")
        expectExactly(merge("", "", "y\n"), "y\n")
        expectExactly(merge("a\n", "", "a\n"), "")
        expectExactly(merge("a\nb\nc\n", "", "a\nb\nc\n"), "")
        #expect(merge("", "x\n", "y\n") == .conflict([TextConflictHunk(
            baseLines: 0..<0, currentLines: 0..<1, proposedLines: 0..<1, base: "", current: "x\n", proposed: "y\n")]))
    }

    @Test func crlfLineEndingsAreKept() {
        let base = "one\r\ntwo\r\nthree\r\nfour\r\n"
        expectExactly(merge(base, "ONE\r\ntwo\r\nthree\r\nfour\r\n", "one\r\ntwo\r\nthree\r\nFOUR\r\n"),
                      "ONE\r\ntwo\r\nthree\r\nFOUR\r\n")
        // A change of line ending is a change of that line.
        expectExactly(merge(base, "one\ntwo\r\nthree\r\nfour\r\n", base), "one\ntwo\r\nthree\r\nfour\r\n")
        #expect(merge("x\r\n", "x\n", "y\r\n") == .conflict([TextConflictHunk(
            baseLines: 0..<1, currentLines: 0..<1, proposedLines: 0..<1, base: "x\r\n", current: "x\n", proposed: "y\r\n")]))
    }

    @Test func loneCarriageReturnIsNotALineEnd() {
        expectExactly(merge("a\rb\nm\nc\n", "a\rb\nm\nC\n", "A\rb\nm\nc\n"), "A\rb\nm\nC\n")
    }

    @Test func unicodeLines() {
        let base = "α\n😀 smile\nnaïve\n中文\n"
        expectExactly(merge(base, "Ω\n😀 smile\nnaïve\n中文\n", "α\n😀 smile\nnaïve\n中文 ✓\n"), "Ω\n😀 smile\nnaïve\n中文 ✓\n")
    }

    @Test func canonicallyEquivalentSpellingsStayDistinct() {
        // "é" precomposed vs "e" + combining acute: equal as Strings, different bytes; the merge
        // keeps the bytes each side wrote.
        let composed = "caf\u{E9}\n", decomposed = "cafe\u{301}\n"
        expectExactly(merge("x\n" + composed + "y\nz\n", "x\n" + decomposed + "y\nz\n", "x\n" + composed + "y\nZ\n"),
                      "x\n" + decomposed + "y\nZ\n")
    }

    @Test func largeTextsMergeQuickly() {
        let base = (0..<1000).map { "line \($0) of the shared document\n" }
        var current = base, proposed = base
        for i in stride(from: 0, to: 1000, by: 20) { current[i] = "current edit \(i)\n" }
        for i in stride(from: 10, to: 1000, by: 20) { proposed[i] = "proposed edit \(i)\r\n" }
        proposed.insert("inserted\n", at: 505)
        var expected = current
        for i in stride(from: 10, to: 1000, by: 20) { expected[i] = proposed[i > 505 ? i + 1 : i] }
        expected.insert("inserted\n", at: 505)
        let clock = ContinuousClock()
        var outcome: TextMergeOutcome?
        let elapsed = clock.measure {
            outcome = merge(base.joined(), current.joined(), proposed.joined())
        }
        expectExactly(outcome!, expected.joined())
        // Catches blow-ups only: CI runs debug builds beside other suites on 2 shared cores.
        // (A release build merges this in about 1 ms on this machine.)
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }
}
