import Testing
@testable import TandemStore

@Suite struct TextMergeExampleTests {
    @Test func disjointLineEditsMerge() {
        let base = "one\ntwo\nthree\nfour\nfive\n"
        let current = "ONE\ntwo\nthree\nfour\nfive\n"
        let proposed = "one\ntwo\nthree\nfour\nFIVE\n"
        #expect(TextMerge.merge3(base: base, current: current, proposed: proposed)
            == .merged("ONE\ntwo\nthree\nfour\nFIVE\n"))
    }

    @Test func sameLineEditedDifferentlyConflicts() {
        let outcome = TextMerge.merge3(base: "a\nb\nc\n", current: "a\nB\nc\n", proposed: "a\nbb\nc\n")
        #expect(outcome == .conflict([TextConflictHunk(
            baseLines: 1..<2, currentLines: 1..<2, proposedLines: 1..<2, base: "b\n", current: "B\n", proposed: "bb\n")]))
    }
}
