import Testing
@testable import TandemMerge
@testable import TandemStore

/// The consequences docs/store.md ("Text merges, line by line") lists, and its examples of which
/// longest common subsequence is used where lines repeat: each answer is what that section's rules
/// give (and what Tests/interop/model/line_diff.py, written from it, gives).
@Suite struct TextMergeRuleTests {
    private func merge(_ b: String, _ c: String, _ p: String) -> TextMergeOutcome {
        TextMerge.merge3(base: b, current: c, proposed: p)
    }

    /// The merged text, byte for byte (String's `==` would take canonically equivalent texts as equal).
    private func merged(_ b: String, _ c: String, _ p: String) -> [UInt8]? {
        guard case .merged(let text) = merge(b, c, p) else { return nil }
        return Array(text.utf8)
    }

    private func conflicts(_ b: String, _ c: String, _ p: String) -> Bool {
        if case .conflict = merge(b, c, p) { return true }
        return false
    }

    @Test func changesSeparatedByAKeptLineMerge() {
        #expect(merged("a\n\nb\n\nc\n", "a\n\nB\n\nc\n", "a\n\nb\n\nC\n") == Array("a\n\nB\n\nC\n".utf8))
    }

    @Test func adjacentChangesAndInsertionsNextToAChangeConflict() {
        #expect(conflicts("a\nb\nc\n", "a\nB\nc\n", "a\nb\nC\n"))
        #expect(conflicts("a\nb\nc\n", "a\nX\nb\nc\n", "a\nB\nc\n"))
    }

    @Test func theFinalNewlineBelongsToTheLastLine() {
        // Removing it against appending a line, and against changing that line.
        #expect(conflicts("a\nb\n", "a\nb", "a\nb\nc\n"))
        #expect(conflicts("a\nb\n", "a\nb", "a\nB\n"))
        // Away from the other side's change it merges like any change of the last line.
        #expect(merged("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc") == Array("A\nb\nc".utf8))
    }

    @Test func aLineEndingChangeIsAChangeOfThatLine() {
        #expect(merged("a\nb\nc\n", "a\r\nb\nc\n", "a\nb\nC\n") == Array("a\r\nb\nC\n".utf8))
        #expect(conflicts("a\nb\nc\n", "a\nb\r\nc\n", "a\nb\nC\n"))
    }

    @Test func repeatedLinesUseTheDocumentedSubsequence() {
        // Each side's z is an insertion of its own: one before x, one after.
        #expect(merged("x\n", "x\nz\n", "z\nx\n") == Array("z\nx\nz\n".utf8))
        // Three equal lines: current's x goes after the first, proposed's y after the second.
        #expect(merged("}\n}\n}\n", "}\nx\n}\n}\n", "}\n}\ny\n}\n") == Array("}\nx\n}\ny\n}\n".utf8))
    }

    @Test func aLineOnlyOneSideHasIsSetAsideBeforeTheDiff() {
        // `new` is set aside, so base's first blank line is matched with current's only one and the
        // second counts as deleted: next to proposed's deletion of b, a conflict (git merge-file and
        // diff3 -m merge this to "a\nnew\n\n"; docs/store.md says why Tandem does not).
        #expect(conflicts("a\n\n\nb\n", "a\nnew\n\nb\n", "a\n\n\n"))
        #expect(LineDiff.matches([0, 1, 1, 2], [0, 3, 1, 2]) == [0, 2, nil, 3])
    }
}
