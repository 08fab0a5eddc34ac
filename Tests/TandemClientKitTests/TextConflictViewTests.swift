import Testing
import TandemJSON
import TandemProtocol
@testable import TandemClientKit

/// A text conflict with `lines` shows each conflicting region between git-style markers, with a
/// few lines of theirs around it, not three whole texts.
@Suite struct TextConflictViewTests {
    let plain = Renderer(color: false)

    private func region(_ b: (Int, Int), _ c: (Int, Int), _ p: (Int, Int)) -> ConflictingLinesDTO {
        ConflictingLinesDTO(base: b.0..<(b.0 + b.1), current: c.0..<(c.0 + c.1), proposed: p.0..<(p.0 + p.1))
    }

    @Test func regionsShowBetweenMarkersWithContextFromTheirs() {
        let base = (1...12).map { "l\($0)\n" }.joined()
        // Theirs: l3 and l9 changed (l9 into two lines); yours: both changed otherwise.
        let theirs = base.replacing("l3\n", with: "T3\n").replacing("l9\n", with: "T9\nT9b\n")
        let yours = base.replacing("l3\n", with: "Y3\n").replacing("l9\n", with: "Y9\n")
        let conflict = MergeConflictDTO(path: "/doc", base: .string(base), current: .string(theirs), proposed: .string(yours),
                                        lines: [region((2, 1), (2, 1), (2, 1)), region((8, 1), (8, 2), (8, 1))])
        let lines = plain.conflict(key: "k", current: nil, conflicts: [conflict])
        #expect(Array(lines.dropFirst().dropLast()) == [
            "  path /doc, 2 regions in conflict:",
            "    @@ base line 3, theirs line 3, yours line 3 @@",
            "    l1",
            "    l2",
            "    <<<<<<< theirs (current)",
            "    T3",
            "    ||||||| base",
            "    l3",
            "    =======",
            "    Y3",
            "    >>>>>>> yours",
            "    l4",
            "    l5",
            "    @@ base line 9, theirs lines 9-10, yours line 9 @@",
            "    l7",
            "    l8",
            "    <<<<<<< theirs (current)",
            "    T9",
            "    T9b",
            "    ||||||| base",
            "    l9",
            "    =======",
            "    Y9",
            "    >>>>>>> yours",
            "    l10",
            "    l11",
        ], "\(lines)")
    }

    @Test func contextNeverRepeatsALineAndEmptySidesSayWhere() {
        // Two regions one line apart: the line between them shows once.
        let conflict = MergeConflictDTO(path: "", base: "a\nb\nc\n", current: "a\nX\nb\nZ\nc\n", proposed: "a\nY\nb\nW\nc\n",
                                        lines: [region((1, 0), (1, 1), (1, 1)), region((2, 0), (3, 1), (3, 1))])
        #expect(Array(plain.conflict(key: "k", current: nil, conflicts: [conflict]).dropFirst().dropLast()) == [
            "  path (whole value), 2 regions in conflict:",
            "    @@ base none (before line 2), theirs line 2, yours line 2 @@",
            "    a",
            "    <<<<<<< theirs (current)",
            "    X",
            "    ||||||| base",
            "    =======",
            "    Y",
            "    >>>>>>> yours",
            "    b",
            "    @@ base none (before line 3), theirs line 4, yours line 4 @@",
            "    <<<<<<< theirs (current)",
            "    Z",
            "    ||||||| base",
            "    =======",
            "    W",
            "    >>>>>>> yours",
            "    c",
        ])
    }

    @Test func lineEndsShowAndACutListSaysSo() {
        let conflict = MergeConflictDTO(path: "", base: "a\nb\n", current: "a\nb\r\n", proposed: "a\nb",
                                        lines: [region((1, 1), (1, 1), (1, 1))], linesMore: true)
        #expect(Array(plain.conflict(key: "k", current: nil, conflicts: [conflict]).dropFirst().dropLast()) == [
            "  path (whole value), 1 region in conflict (and more the server did not list):",
            "    @@ base line 2, theirs line 2, yours line 2 @@",
            "    a",
            "    <<<<<<< theirs (current)",
            "    b^M",
            "    ||||||| base",
            "    b",
            "    =======",
            "    b (no newline at end)",
            "    >>>>>>> yours",
        ])
    }

    @Test func rangesThatDoNotFitShowTheValuesAsBefore() {
        for lines in [[region((0, 5), (0, 1), (0, 1))], [region((1, 1), (1, 1), (1, 1)), region((0, 1), (0, 1), (0, 1))]] {
            let conflict = MergeConflictDTO(path: "", base: "x\ny\n", current: "x\nz\n", proposed: "x\nw\n", lines: lines)
            #expect(Array(plain.conflict(key: "k", current: nil, conflicts: [conflict]).dropFirst().dropLast()) == [
                "  path (whole value), from line 2 (1 line before and 0 after alike on every side):",
                #"    base:   "y\n""#,
                #"    theirs: "z\n""#,
                #"    yours:  "w\n""#,
            ])
        }
    }
}
