import Testing
import TandemJSON
@testable import TandemStore

@Suite struct ThreeWayMergeExampleTests {
    private func merge(_ b: JSONValue, _ c: JSONValue, _ p: JSONValue) -> MergeOutcome {
        ThreeWayMerge.merge(base: b, current: c, proposed: p)
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
}
