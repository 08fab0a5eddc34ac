import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

@Suite struct ThreeWayMergeExampleTests {
    private func merge(_ b: JSONValue, _ c: JSONValue, _ p: JSONValue) -> MergeOutcome {
        ThreeWayMerge.merge(base: b, current: c, proposed: p)
    }

    /// A respelling in another Unicode normalization is a change: both sides changing a value,
    /// one to each spelling, conflict (String's `==` once took them for the same change and
    /// dropped one silently).
    @Test func canonicallyEquivalentSpellingsAreDifferentValues() {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(merge(["name": "x"], ["name": .string(composed)], ["name": .string(decomposed)])
            == .conflict([MergeConflict(path: ["name"], base: "x", current: .string(composed), proposed: .string(decomposed))]))
        // One side only respelled: its spelling is taken.
        #expect(merge(["name": .string(composed), "n": 1], ["name": .string(composed), "n": 2], ["name": .string(decomposed), "n": 1])
            == .merged(["name": .string(decomposed), "n": 2]))
    }

    /// Keys are matched by their bytes: a key respelled on one side is that side's change, and two
    /// spellings that would both survive (one object cannot hold them) conflict.
    @Test func canonicallyEquivalentKeysAreDifferentKeys() {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        // Current respelled the key (deleted one spelling, added the other); proposed changed n.
        #expect(merge([composed: 1, "n": 0], [decomposed: 1, "n": 0], [composed: 1, "n": 5])
            == .merged([decomposed: 1, "n": 5]))
        // Each side added the key in its own spelling, with the same value: not the same change.
        guard case .conflict(let conflicts) = merge(["n": 0], ["n": 1, composed: 1], ["n": 0, decomposed: 1]) else {
            Issue.record("two spellings of one key merged into one")
            return
        }
        #expect(conflicts.count == 1 && conflicts[0].base == nil && conflicts[0].current == 1 && conflicts[0].proposed == 1)
        #expect(conflicts.first?.path.first?.isByteIdentical(to: composed) == true, "named as current spells it")
        // Current respelled the key, proposed changed its value: a deletion against a modification.
        guard case .conflict = merge([composed: 1, "n": 0], [decomposed: 1, "n": 0], [composed: 2, "n": 0]) else {
            Issue.record("a value change under a key the other side respelled merged silently")
            return
        }
    }

    @Test func oneSidedChangesAreTaken() {
        let base: JSONValue = ["a": 1, "b": 2, "c": 3]
        #expect(merge(base, ["a": 10, "b": 2, "c": 3], ["a": 1, "b": 20, "c": 3])
            == .merged(["a": 10, "b": 20, "c": 3]))
    }

    @Test func deletionAndAdditionOnOneSide() {
        let base: JSONValue = ["a": 1, "b": 2]
        #expect(merge(base, ["a": 1], ["a": 1, "b": 2, "n": "new"]) == .merged(["a": 1, "n": "new"]))
    }

    @Test func differentChangesToOneKeyConflict() {
        let base: JSONValue = ["a": 1, "b": 2]
        #expect(merge(base, ["a": 5, "b": 2], ["a": 6, "b": 3])
            == .conflict([MergeConflict(path: ["a"], base: 1, current: 5, proposed: 6)]))
    }

    @Test func nestedObjectsMergeKeyByKey() {
        let base: JSONValue = ["doc": ["title": "T", "meta": ["tags": ["x"], "owner": "ann"]], "n": 1]
        let current: JSONValue = ["doc": ["title": "T2", "meta": ["tags": ["x"], "owner": "ann"]], "n": 1]
        let proposed: JSONValue = ["doc": ["title": "T", "meta": ["tags": ["x"], "owner": "bob", "v": 2]], "n": 1]
        #expect(merge(base, current, proposed)
            == .merged(["doc": ["title": "T2", "meta": ["tags": ["x"], "owner": "bob", "v": 2]], "n": 1]))
    }

    @Test func deletionAgainstModificationConflicts() {
        let base: JSONValue = ["a": ["x": 1], "b": 1]
        #expect(merge(base, ["b": 1], ["a": ["x": 2], "b": 1])
            == .conflict([MergeConflict(path: ["a"], base: ["x": 1], current: nil, proposed: ["x": 2])]))
        #expect(merge(base, ["a": ["x": 1, "y": 0], "b": 1], ["b": 1])
            == .conflict([MergeConflict(path: ["a"], base: ["x": 1], current: ["x": 1, "y": 0], proposed: nil)]))
    }

    @Test func deletionOnBothSidesIsTheSameChange() {
        #expect(merge(["a": 1, "b": 2], ["b": 2], ["b": 3]) == .merged(["b": 3]))
        #expect(merge(["a": 1], [:], [:]) == .merged([:]))
    }

    @Test func additionsOfOneKey() {
        #expect(merge([:], ["k": "v"], ["k": "v"]) == .merged(["k": "v"]))
        #expect(merge([:], ["k": 1], ["k": 2])
            == .conflict([MergeConflict(path: ["k"], base: nil, current: 1, proposed: 2)]))
        // Added objects are not merged with each other: there is no common base to merge from.
        #expect(merge([:], ["k": ["a": 1]], ["k": ["b": 1]])
            == .conflict([MergeConflict(path: ["k"], base: nil, current: ["a": 1], proposed: ["b": 1])]))
    }

    @Test func nullIsAValueNotAnAbsentKey() {
        #expect(merge(["a": 1], ["a": nil], ["a": 1]) == .merged(["a": nil]))
        #expect(merge(["a": 1], ["a": nil], [:])
            == .conflict([MergeConflict(path: ["a"], base: 1, current: .null, proposed: nil)]))
    }

    @Test func arraysMergeAsWholeValues() {
        let base: JSONValue = ["l": [1, 2, 3]]
        #expect(merge(base, ["l": [1, 2, 3, 4]], base) == .merged(["l": [1, 2, 3, 4]]))
        #expect(merge(base, base, ["l": [0, 1, 2, 3]]) == .merged(["l": [0, 1, 2, 3]]))
        #expect(merge(base, ["l": [3]], ["l": [3]]) == .merged(["l": [3]]))
        // Even edits that a list merge could combine conflict: arrays are whole values.
        #expect(merge(base, ["l": [1, 2, 3, 4]], ["l": [0, 1, 2, 3]])
            == .conflict([MergeConflict(path: ["l"], base: [1, 2, 3], current: [1, 2, 3, 4], proposed: [0, 1, 2, 3])]))
    }

    @Test func arraysOfObjectsAreNotEnteredEither() {
        let base: JSONValue = ["l": [["a": 1], ["b": 1]]]
        #expect(merge(base, ["l": [["a": 2], ["b": 1]]], ["l": [["a": 1], ["b": 2]]])
            == .conflict([MergeConflict(path: ["l"], base: base["l"], current: [["a": 2], ["b": 1]],
                                        proposed: [["a": 1], ["b": 2]])]))
    }

    @Test func typeChanges() {
        let base: JSONValue = ["v": ["x": 1]]
        #expect(merge(base, ["v": "text"], base) == .merged(["v": "text"]))
        #expect(merge(base, ["v": "text"], ["v": "text"]) == .merged(["v": "text"]))
        #expect(merge(base, ["v": "text"], ["v": [1]])
            == .conflict([MergeConflict(path: ["v"], base: ["x": 1], current: "text", proposed: [1])]))
        // Both sides turned a string into different objects: no common object base to merge from.
        #expect(merge(["v": "s"], ["v": ["a": 1]], ["v": ["b": 2]])
            == .conflict([MergeConflict(path: ["v"], base: "s", current: ["a": 1], proposed: ["b": 2])]))
        // One side changed the kind, the other edited inside: a conflict at the object's path.
        #expect(merge(base, ["v": 7], ["v": ["x": 2]])
            == .conflict([MergeConflict(path: ["v"], base: ["x": 1], current: 7, proposed: ["x": 2])]))
    }

    @Test func numbersCompareByValue() {
        #expect(merge(["n": 1], ["n": 1.0], ["n": 2]) == .merged(["n": 2]))
        #expect(merge(["n": 1], ["n": 2.0], ["n": 2]) == .merged(["n": 2]))
        #expect(merge(["n": 1], ["n": 2], ["n": 2.5])
            == .conflict([MergeConflict(path: ["n"], base: 1, current: 2, proposed: 2.5)]))
    }

    @Test func scalarRoots() {
        #expect(merge(1, 2, 1) == .merged(2))
        #expect(merge(true, false, false) == .merged(false))
        #expect(merge(nil, 1, "x") == .conflict([MergeConflict(path: [], base: .null, current: 1, proposed: "x")]))
        #expect(merge([1], [2], [3]) == .conflict([MergeConflict(path: [], base: [1], current: [2], proposed: [3])]))
        #expect(merge([:], "s", ["a": 1]) == .conflict([MergeConflict(path: [], base: [:], current: "s", proposed: ["a": 1])]))
    }

    @Test func everyConflictIsReportedSortedByPath() {
        let base: JSONValue = ["z": 0, "a": ["y": 0, "b": 0], "m": 0, "ok": 0]
        let current: JSONValue = ["z": 1, "a": ["y": 1, "b": 1], "m": 1, "ok": 0, "new": 1]
        let proposed: JSONValue = ["z": 2, "a": ["y": 2, "b": 2], "m": 2, "ok": 5]
        guard case .conflict(let conflicts) = merge(base, current, proposed) else {
            Issue.record("expected conflicts")
            return
        }
        #expect(conflicts.map(\.path) == [["a", "b"], ["a", "y"], ["m"], ["z"]])
        #expect(conflicts[0] == MergeConflict(path: ["a", "b"], base: 0, current: 1, proposed: 2))
    }

    @Test func stringsMergeLineWise() {
        let base: JSONValue = ["notes": "one\ntwo\nthree\n", "n": 1]
        let current: JSONValue = ["notes": "ONE\ntwo\nthree\n", "n": 1]
        let proposed: JSONValue = ["notes": "one\ntwo\nTHREE\n", "n": 2]
        #expect(merge(base, current, proposed) == .merged(["notes": "ONE\ntwo\nTHREE\n", "n": 2]))
    }

    @Test func stringConflictReportsTheWholeStringsAndTheLines() {
        let base: JSONValue = ["doc": ["body": "a\nb\nc\n"]]
        let current: JSONValue = ["doc": ["body": "a\nB\nc\n"]]
        let proposed: JSONValue = ["doc": ["body": "a\nβ\nc\n"]]
        #expect(merge(base, current, proposed) == .conflict([MergeConflict(
            path: ["doc", "body"], base: "a\nb\nc\n", current: "a\nB\nc\n", proposed: "a\nβ\nc\n",
            lines: [ConflictingLines(base: 1..<2, current: 1..<2, proposed: 1..<2)])]))
    }

    @Test func singleLineStringsChangedDifferentlyConflict() {
        #expect(merge(["t": "hello"], ["t": "hello!"], ["t": "Hello"])
            == .conflict([MergeConflict(path: ["t"], base: "hello", current: "hello!", proposed: "Hello")]))
    }

    @Test func unicodeKeysAndValues() {
        let base: JSONValue = ["ключ": "значение", "😀": ["ä": 1]]
        #expect(merge(base, ["ключ": "новое", "😀": ["ä": 1]], ["ключ": "значение", "😀": ["ä": 1, "ß": 2]])
            == .merged(["ключ": "новое", "😀": ["ä": 1, "ß": 2]]))
    }

    @Test func largeObjectsMergeQuickly() {
        var base: [String: JSONValue] = [:]
        for i in 0..<1000 { base["key\(i)"] = ["n": .integer(Int64(i)), "s": .string("line \(i)\n")] }
        var current = base, proposed = base
        for i in stride(from: 0, to: 1000, by: 3) { current["key\(i)"] = ["n": -1, "s": .string("line \(i)\n")] }
        for i in stride(from: 1, to: 1000, by: 3) { proposed["key\(i)"] = nil }
        var expected = current
        for i in stride(from: 1, to: 1000, by: 3) { expected["key\(i)"] = nil }
        let clock = ContinuousClock()
        var outcome: MergeOutcome?
        let elapsed = clock.measure {
            outcome = ThreeWayMerge.merge(base: .object(base), current: .object(current), proposed: .object(proposed))
        }
        #expect(outcome == .merged(.object(expected)))
        // Catches blow-ups only: CI runs debug builds beside other suites on 2 shared cores.
        // (A release build merges this in about 1 ms on this machine.)
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }
}
