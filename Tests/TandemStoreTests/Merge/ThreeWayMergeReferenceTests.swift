import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// The key-by-key walk that skips unchanged members answers exactly as the walk before it
/// (`ReferenceThreeWayMerge`): the same merged bytes (`1` and `1.0` are equal values, so which
/// side's spelling is kept shows only in the bytes) and the same conflicts.
@Suite struct ThreeWayMergeReferenceTests {
    /// `value` with every key `é` (U+00E9) respelled `e` + U+0301 where `respell` says, at any depth.
    static func respellingKeys(_ value: JSONValue, _ rng: inout SeededRandom) -> JSONValue {
        guard case .object(let members) = value else { return value }
        var out: [String: JSONValue] = [:]
        for key in members.keys.sorted() {
            let spelled = key == "\u{E9}" && rng.chance(30) ? "e\u{301}" : key
            out[spelled] = respellingKeys(members[key]!, &rng)
        }
        return .object(out)
    }

    static func sameAnswer(_ a: MergeOutcome, _ b: MergeOutcome) -> Bool {
        switch (a, b) {
        case (.merged(let x), .merged(let y)): return x.serialized() == y.serialized()
        case (.conflict(let x), .conflict(let y)):
            func bytes(_ v: JSONValue?) -> String { v.map { $0.serialized() } ?? "absent" }
            return x.count == y.count && zip(x, y).allSatisfy { c, d in
                c.path.count == d.path.count && zip(c.path, d.path).allSatisfy { $0.isByteIdentical(to: $1) }
                    && bytes(c.base) == bytes(d.base) && bytes(c.current) == bytes(d.current) && bytes(c.proposed) == bytes(d.proposed)
            }
        default: return false
        }
    }

    @Test func randomTriplesMergeAsBefore() {
        for seed in UInt64(1)...3_000 {
            var rng = SeededRandom(seed: seed)
            let base = RandomJSON.object(&rng, depth: 3)
            var current = RandomJSON.mutate(base, &rng), proposed = RandomJSON.mutate(base, &rng)
            // Some sides unchanged (or changed back), some keys respelled in one side's normalization.
            if rng.chance(15) { current = base }
            if rng.chance(15) { proposed = base }
            if rng.chance(10) { proposed = current }
            if rng.chance(20) { current = Self.respellingKeys(current, &rng) }
            if rng.chance(20) { proposed = Self.respellingKeys(proposed, &rng) }
            let now = ThreeWayMerge.merge(base: base, current: current, proposed: proposed)
            let before = ReferenceThreeWayMerge.merge(base: base, current: current, proposed: proposed)
            #expect(Self.sameAnswer(now, before), "seed \(seed): \(now) vs \(before)")
        }
    }

    /// Where the shortcuts and the key-by-key walk would keep different spellings of an equal
    /// number, the answer is still the shortcut's (a side equal to base gives the other side whole).
    @Test func aSideEqualToBaseGivesTheOtherSideWhole() {
        let base: JSONValue = ["a": .integer(1), "b": .integer(2), "c": .integer(3)]
        let proposed: JSONValue = ["a": .number(1.0), "b": .integer(20), "c": .integer(3)]
        for (c, p, expected) in [(base, proposed, proposed), (proposed, base, proposed)] {
            guard case .merged(let value) = ThreeWayMerge.merge(base: base, current: c, proposed: p) else {
                Issue.record("not merged")
                continue
            }
            #expect(value.serialized() == expected.serialized())
        }
        // Neither side equal to base: each member as merged (current's spelling where both agree).
        let current: JSONValue = ["a": .integer(1), "b": .integer(2), "c": .integer(30)]
        guard case .merged(let value) = ThreeWayMerge.merge(base: base, current: current, proposed: proposed) else {
            Issue.record("not merged")
            return
        }
        #expect(value.serialized() == JSONValue.object(["a": .integer(1), "b": .integer(20), "c": .integer(30)]).serialized())
    }
}
