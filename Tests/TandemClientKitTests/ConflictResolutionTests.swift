import Testing
import TandemJSON
import TandemProtocol
@testable import TandemClientKit

@Suite struct ConflictResolutionTests {
    let pending = PendingConflict(key: "plan", yours: ["owner": "dave"],
                                  current: StateRow(key: "plan", version: 6, value: ["owner": "carol"], author: "carol", updated: 0),
                                  conflicts: [MergeConflictDTO(path: "/owner", base: "bob", current: "carol", proposed: "dave")])

    @Test func choices() {
        #expect(ConflictChoice.parse(" Ours ") == .ours)
        #expect(ConflictChoice.parse("theirs") == .theirs)
        #expect(ConflictChoice.parse("edit") == .edit)
        #expect(ConflictChoice.parse("mine") == nil)
    }

    /// No `merged` in the answer: it is the current value, so `ours` is that with your side at the
    /// conflicts and `theirs` writes nothing.
    @Test func withoutMergedTheCurrentValueIsTheMerge() {
        #expect(pending.resolution(.ours, session: "s1") == StatePutParams(session: "s1", key: "plan", value: ["owner": "dave"], base: 6))
        #expect(pending.resolution(.theirs, session: "s1") == nil)
        #expect(pending.resolution(.edit, session: "s1", edited: ["owner": "both"])
                == StatePutParams(session: "s1", key: "plan", value: ["owner": "both"], base: 6))
        #expect(pending.resolution(.edit, session: "s1") == nil)
        let gone = PendingConflict(key: "k", yours: 1, current: nil, conflicts: [])
        #expect(gone.resolution(.ours, session: "s")?.base == 0)
    }

    /// Base {owner: bob, steps: [draft], meta: {a: 1, b: 1}}; carol changed owner, steps and meta.a;
    /// dave owner, meta.a (deleted) and added due. `ours` settles the two clashes dave's way and keeps
    /// carol's steps; `theirs` keeps carol's at the clashes and dave's due.
    let clash = PendingConflict(
        key: "plan", yours: ["owner": "dave", "steps": ["draft"], "meta": ["b": 1], "due": "friday"],
        current: StateRow(key: "plan", version: 6, value: ["owner": "carol", "steps": ["draft", "review"], "meta": ["a": 2, "b": 1]],
                          author: "carol", updated: 0),
        conflicts: [MergeConflictDTO(path: "/meta/a", base: 1, current: 2, proposed: nil),
                    MergeConflictDTO(path: "/owner", base: "bob", current: "carol", proposed: "dave")],
        merged: ["owner": "carol", "steps": ["draft", "review"], "meta": ["a": 2, "b": 1], "due": "friday"])

    @Test func oursSetsYourSideAtTheConflictsInTheMerge() {
        let ours: JSONValue = ["owner": "dave", "steps": ["draft", "review"], "meta": ["b": 1], "due": "friday"]
        #expect(clash.oursValue == ours)
        #expect(clash.resolution(.ours, session: "s1") == StatePutParams(session: "s1", key: "plan", value: ours, base: 6))
    }

    @Test func theirsStillWritesYourChangesThatMerged() {
        #expect(clash.resolution(.theirs, session: "s1") == StatePutParams(session: "s1", key: "plan", value: clash.merged!, base: 6))
        // Nothing of yours merged: nothing to write.
        var nothingElse = clash
        nothingElse.merged = clash.current?.value
        #expect(nothingElse.resolution(.theirs, session: "s1") == nil)
    }

    /// A text both changed: the server keeps theirs whole at its path; `ours` and `theirs` merge its
    /// lines, each side's where they conflict, and keep the other side's changes to other lines
    /// (docs/protocol.md's second state.put example, with a last line dave changed).
    let textClash: PendingConflict = {
        let base = "goal: ship\n\nowner: bob\ndue: friday\n\nrisks: none\n"
        let current = "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n\nrisks: none\n"
        let proposed = "goal: ship\n\nowner: dave\ndue: friday\n\nrisks: scope\n"
        return PendingConflict(
            key: "plan", yours: ["notes": .string(proposed), "tag": "x"],
            current: StateRow(key: "plan", version: 2, value: ["notes": .string(current)], author: "carol", updated: 0),
            conflicts: [MergeConflictDTO(path: "/notes", base: .string(base), current: .string(current), proposed: .string(proposed),
                                         lines: [ConflictingLinesDTO(base: 2..<3, current: 2..<4, proposed: 2..<3)])],
            merged: ["notes": .string(current), "tag": "x"])
    }()

    @Test func aTextConflictSettlesLineByLineKeepingTheOtherSidesLines() {
        #expect(textClash.oursValue == ["notes": "goal: ship 2.0\n\nowner: dave\ndue: friday\n\nrisks: scope\n", "tag": "x"])
        #expect(textClash.resolution(.theirs, session: "s1")?.value
                == ["notes": "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n\nrisks: scope\n", "tag": "x"])
        // Without a base text there is no line merge: each side's whole text.
        var created = textClash
        created.conflicts[0].base = nil
        #expect(created.oursValue == ["notes": "goal: ship\n\nowner: dave\ndue: friday\n\nrisks: scope\n", "tag": "x"])
        #expect(created.theirsValue == textClash.merged)
    }

    @Test func pathsAreJSONPointers() {
        #expect(ConflictPath.segments("") == [])
        #expect(ConflictPath.segments("/a~1b/~0c/") == ["a/b", "~c", ""])
        #expect(ConflictPath.setting(["x"], to: nil, in: ["x": 1, "y": 2]) == ["y": 2])
        #expect(ConflictPath.setting([], to: nil, in: ["x": 1]) == .null)
        #expect(ConflictPath.setting(["x", "y"], to: 3, in: ["x": "text"]) == ["x": "text"])
        // A key in another Unicode spelling takes the new spelling (the dictionary alone keeps the old one).
        let set = ConflictPath.setting(["e\u{301}"], to: 2, in: ["\u{E9}": 1])
        #expect(set.objectValue?.keys.first?.unicodeScalars.count == 2)
    }
}
