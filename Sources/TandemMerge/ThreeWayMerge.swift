import TandemJSON

/// Three-way merge of JSON row values: `base` is the version a writer started from,
/// `current` the stored latest version, `proposed` the writer's new value.
///
/// Rules (issue 3, "Shared state rows"):
/// - a value changed on one side only takes that change; the same change on both sides is kept;
/// - objects changed on both sides merge key by key, recursively; a deleted key is an absent key,
///   so deletion against modification, or two different additions of one key, conflict (two added
///   objects are not merged: they have no common base);
/// - strings changed on both sides merge line-wise (diff3, `TextMerge`);
/// - arrays, numbers, booleans, null and changes of kind changed differently on both sides conflict.
///
/// Equality is `JSONValue`'s (`1 == 1.0`; strings and object keys byte for byte, so a respelling
/// in another Unicode normalization, `"\u{E9}"` → `"e\u{301}"`, is a change like any other). Keys
/// are matched by their bytes too; when the merge would keep two canonically equivalent spellings
/// of one key (each side added or respelled it its own way), that key conflicts, as one object
/// cannot hold both. The caller handles base = current (a plain write); this function does not
/// need it but gives the right answer for it too.
public enum ThreeWayMerge {
    /// Merges `current` and `proposed`, both derived from `base`. Reports every conflict, not only
    /// the first, sorted by path.
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue) -> MergeOutcome {
        // An unbounded budget is never spent, so this cannot throw.
        try! merge(base: base, current: current, proposed: proposed, diffBudget: .max)
    }

    // What the walk costs, in the budget's steps (a line-diff step is ~2.5 ns; measured with
    // `tandem-store-bench writer-hold object-many|object-one|object-big|text-many|array-long`,
    // docs/benchmarks.md).
    /// Steps one value costs each time the merge compares it (an array element, a scalar, a text,
    /// an object): comparing is the walk's cheap part (~5 ns).
    public static let stepsPerValueCompared = 2
    /// Steps one object member costs on top each time it is looked up by its key (to compare it,
    /// or to find it in another side when merging key by key) in an object of more than
    /// `smallObjectMembers` members: its key hashed and the entry a cache miss away (~0.2-0.3 µs).
    public static let stepsPerMemberCompared = 100
    /// The same in a small object, whose few entries share a handful of cache lines (~30 ns).
    public static let stepsPerSmallObjectMember = 12
    /// Objects of at most this many members count `stepsPerSmallObjectMember` a lookup.
    public static let smallObjectMembers = 16
    /// Steps an object merged key by key costs when its result differs from current (a copy of
    /// current's members is made and changed), per member of current (~5 ns).
    public static let stepsPerMemberCopied = 2
    /// Steps an object costs when it is merged key by key (its result built; ~0.2 µs).
    public static let stepsPerObjectMerged = 100
    /// Steps one member of each of the three objects costs when an object is merged with its keys
    /// matched by their bytes, needed only when a key is spelled differently on two sides (each
    /// side's keys hashed again and a result built, ~1-3 µs in a big object).
    public static let stepsPerMemberMerged = 500
    /// Steps one text merge costs before its line diff (cutting and interning its lines, ~3-6 µs
    /// for a small text).
    public static let stepsPerTextMerged = 2_000

    /// Most conflicting text regions (`MergeConflict.lines`) one merge reports, all its texts
    /// together, unless the caller gives its own (`maxConflictLines`; the server's
    /// `max-conflict-lines`): the first in path order, then text order; a text cut short says so
    /// (`linesMore`). A region is ~40-60 bytes on the wire and a text can have one every other line
    /// (a 256 KiB value: ~64,000 regions, ~4 MB, six times the three values); with 1,000, ~60 KB at most.
    public static let defaultMaxConflictLines = 1_000

    /// What looking up one member of `object` by its key costs.
    static func stepsPerLookup(in object: [String: JSONValue]) -> Int {
        object.count > smallObjectMembers ? stepsPerMemberCompared : stepsPerSmallObjectMember
    }

    /// `merge` within `diffBudget` steps: the line diffs of all its text merges (`LineDiff`'s search
    /// steps) and its walk over the values (each value compared `stepsPerValueCompared`, each member
    /// looked up by its key `stepsPerLookup(in:)` more, each object merged key by key
    /// `stepsPerObjectMerged` and a copy of its members when it changes, each text merged
    /// `stepsPerTextMerged`) together, charged as the walk goes. The store merges on its single
    /// writer, where a quadratic diff of two long texts, or the walk over a row of many small values,
    /// would hold every session's commits. Throws the path where the budget ran out, and whether a
    /// text's diff or the walk used it up.
    /// At most `maxConflictLines` conflicting text regions are listed, over all its texts.
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue,
                             diffBudget: Int, maxConflictLines: Int = defaultMaxConflictLines) throws(MergeTooCostly) -> MergeOutcome {
        var budget = diffBudget
        return try merge(base: base, current: current, proposed: proposed, diffBudget: &budget, maxConflictLines: maxConflictLines)
    }

    /// `merge` spending `diffBudget`: what is left afterwards (below 0 when it throws), so that
    /// several merges can share one budget (a branch merge's rows).
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue,
                             diffBudget: inout Int, maxConflictLines: Int = defaultMaxConflictLines) throws(MergeTooCostly) -> MergeOutcome {
        try mergeKeepingCurrent(base: base, current: current, proposed: proposed, diffBudget: &diffBudget,
                                maxConflictLines: maxConflictLines).outcome
    }

    /// `merge`, and the value it comes to when each conflict keeps current's side (current's value at
    /// that path, or no member where current has none): with no conflict, the merged value. A writer
    /// resolves a conflict from it without losing what did merge, on either side: it sets each
    /// conflicting path to the value it chooses and writes that on the current version (writing its
    /// own whole value there would drop the other side's changes elsewhere; writing nothing, its own).
    /// The conflicts list at most `maxConflictLines` text regions in all (0: none, each text with
    /// regions then says `linesMore`).
    public static func mergeKeepingCurrent(base: JSONValue, current: JSONValue, proposed: JSONValue,
                                           diffBudget: inout Int, maxConflictLines: Int = defaultMaxConflictLines)
        throws(MergeTooCostly) -> (outcome: MergeOutcome, keepingCurrent: JSONValue) {
        var state = State(budget: diffBudget)
        let value = state.merge(base, current, proposed)
        diffBudget = state.budget
        if let path = state.tooCostlyAt { throw MergeTooCostly(path: path, cause: state.tooCostlyCause) }
        if state.conflicts.isEmpty { return (.merged(value), value) }
        var conflicts = state.conflicts.sorted(by: MergeConflict.pathOrder)
        MergeConflict.capLines(&conflicts, at: max(0, maxConflictLines))
        return (.conflict(conflicts), value)
    }

    /// The path being merged and the conflicts met so far; one per top-level merge.
    struct State {
        var path: [String] = []
        var conflicts: [MergeConflict] = []
        /// Steps left for the line diffs and the walk.
        var budget: Int
        /// Where the merge ran out of budget (the rest of the merge is moot: each step after it
        /// returns at once).
        var tooCostlyAt: [String]?
        var tooCostlyCause: MergeTooCostly.Cause = .lineDiff

        /// Takes `steps` from the budget; false (and the merge is too costly) when it has not that many.
        mutating func spend(_ steps: Int) -> Bool {
            guard tooCostlyAt == nil else { return false }
            guard budget >= steps else {
                budget = -1
                tooCostlyAt = path
                tooCostlyCause = .values
                return false
            }
            budget -= steps
            return true
        }

        /// `JSONValue`'s `==`, spending `stepsPerValueCompared` per value it visits: the walk
        /// compares whole subtrees at each level, so a row's size times its depth at most. Once the
        /// budget is spent the answer is meaningless (the merge throws).
        mutating func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
            guard spend(ThreeWayMerge.stepsPerValueCompared) else { return false }
            switch (a, b) {
            case (.array(let x), .array(let y)):
                guard x.count == y.count else { return false }
                for i in x.indices where !same(x[i], y[i]) { return false }
                return true
            case (.object(let x), .object(let y)):
                guard x.count == y.count else { return false }
                let lookup = ThreeWayMerge.stepsPerLookup(in: y)
                for (key, value) in x {
                    guard spend(lookup) else { return false }
                    // As `JSONValue.==`: a dictionary holds at most one key of each equivalence class.
                    guard let i = y.index(forKey: key) else { return false }
                    let (otherKey, otherValue) = y[i]
                    guard key.isByteIdentical(to: otherKey), same(value, otherValue) else { return false }
                }
                return true
            default:
                return a == b
            }
        }

        mutating func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return same(a, b)
        }

        /// The merged value; on conflict, records it and keeps current's side there (the value is
        /// then `mergeKeepingCurrent`'s).
        mutating func merge(_ base: JSONValue, _ current: JSONValue, _ proposed: JSONValue) -> JSONValue {
            if case .object(let b) = base, case .object(let c) = current, case .object(let p) = proposed {
                // The key-by-key walk finds out on its way whether a side is unchanged: comparing
                // whole objects first would walk a big object up to three times more.
                switch mergeObjects(b, c, p, bothChanged: false) {
                case .current: return current
                case .proposed: return proposed
                case .merged(let object): return .object(object)
                }
            }
            if same(current, proposed) { return current }
            if same(current, base) { return proposed }
            if same(proposed, base) { return current }
            return mergeChanged(base, current, proposed)
        }

        /// `merge` of values each side changed differently (current, proposed and base differ).
        mutating func mergeChanged(_ base: JSONValue, _ current: JSONValue, _ proposed: JSONValue) -> JSONValue {
            guard tooCostlyAt == nil else { return current }
            switch (base, current, proposed) {
            case (.object(let b), .object(let c), .object(let p)):
                if case .merged(let object) = mergeObjects(b, c, p, bothChanged: true) { return .object(object) }
                return current
            case (.string(let b), .string(let c), .string(let p)):
                guard spend(ThreeWayMerge.stepsPerTextMerged) else { return current }
                guard let outcome = TextMerge.merge3(base: b, current: c, proposed: p, budget: &budget) else {
                    tooCostlyAt = path
                    tooCostlyCause = .lineDiff
                    return current
                }
                switch outcome {
                case .merged(let text): return .string(text)
                case .conflict(let hunks):
                    // One region that is the whole of all three texts (a one-line value: a name, a
                    // title) says nothing the values do not: left out. A region's text is a slice of
                    // its side's, so equal byte counts mean the whole.
                    let whole = hunks.count == 1 && hunks[0].base.utf8.count == b.utf8.count
                        && hunks[0].current.utf8.count == c.utf8.count && hunks[0].proposed.utf8.count == p.utf8.count
                    let lines = whole ? nil : hunks.map {
                        ConflictingLines(base: $0.baseLines, current: $0.currentLines, proposed: $0.proposedLines)
                    }
                    conflicts.append(MergeConflict(path: path, base: base, current: current, proposed: proposed, lines: lines))
                    return current
                }
            default:
                break
            }
            conflicts.append(MergeConflict(path: path, base: base, current: current, proposed: proposed))
            return current
        }
    }
}

/// A three-way merge that needed more steps than its budget (`ThreeWayMerge.merge(diffBudget:)`).
public struct MergeTooCostly: Error, Sendable, Equatable {
    /// What used the budget up.
    public enum Cause: Sendable, Equatable {
        /// A text's line diff (long texts that differ throughout).
        case lineDiff
        /// The walk over the values: comparing and merging many members or elements.
        case values
    }
    /// Where the budget ran out in the value (object keys from the top; empty for the top level).
    public var path: [String]
    public var cause: Cause

    public init(path: [String], cause: Cause = .lineDiff) {
        self.path = path
        self.cause = cause
    }
}
