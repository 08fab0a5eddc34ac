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

    /// `merge` with the line diffs of all its text merges within `diffBudget` search steps
    /// together (`LineDiff`): the store merges on its single writer, where a quadratic diff of two
    /// long texts would hold every session's commits. Throws the path of the text that used up
    /// the budget.
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue,
                             diffBudget: Int) throws(MergeTooCostly) -> MergeOutcome {
        var budget = diffBudget
        return try merge(base: base, current: current, proposed: proposed, diffBudget: &budget)
    }

    /// `merge` spending `diffBudget`: what is left afterwards (below 0 when it throws), so that
    /// several merges can share one budget (a branch merge's rows).
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue,
                             diffBudget: inout Int) throws(MergeTooCostly) -> MergeOutcome {
        var state = State(budget: diffBudget)
        let value = state.merge(base, current, proposed)
        diffBudget = state.budget
        if let path = state.tooCostlyAt { throw MergeTooCostly(path: path) }
        if state.conflicts.isEmpty { return .merged(value) }
        return .conflict(state.conflicts.sorted(by: MergeConflict.pathOrder))
    }

    /// The path being merged and the conflicts met so far; one per top-level merge.
    private struct State {
        var path: [String] = []
        var conflicts: [MergeConflict] = []
        /// Line-diff steps left for the text merges.
        var budget: Int
        /// The path of the text whose merge ran out of budget (the rest of the merge is moot).
        var tooCostlyAt: [String]?

        /// The merged value; on conflict, records it and returns current as a placeholder
        /// (the caller discards the value when any conflict was recorded).
        mutating func merge(_ base: JSONValue, _ current: JSONValue, _ proposed: JSONValue) -> JSONValue {
            if current == proposed { return current }
            if current == base { return proposed }
            if proposed == base { return current }
            switch (base, current, proposed) {
            case (.object(let b), .object(let c), .object(let p)):
                return .object(mergeObjects(b, c, p))
            case (.string(let b), .string(let c), .string(let p)):
                guard tooCostlyAt == nil else { return current }
                guard let outcome = TextMerge.merge3(base: b, current: c, proposed: p, budget: &budget) else {
                    tooCostlyAt = path
                    return current
                }
                if case .merged(let text) = outcome { return .string(text) }
            default:
                break
            }
            conflicts.append(MergeConflict(path: path, base: base, current: current, proposed: proposed))
            return current
        }

        private mutating func mergeObjects(
            _ baseObject: [String: JSONValue], _ currentObject: [String: JSONValue], _ proposedObject: [String: JSONValue]
        ) -> [String: JSONValue] {
            // Keys by their bytes (merges are rare: stale writes only, so the rehash is cheap enough).
            let base = ExactKey.members(baseObject)
            let current = ExactKey.members(currentObject)
            let proposed = ExactKey.members(proposedObject)
            // Starting from current means keys only current touched need no work.
            var result = current
            for (key, c) in current {
                mergeKey(key, base[key], c, proposed[key], into: &result)
            }
            for (key, p) in proposed where current[key] == nil {
                mergeKey(key, base[key], nil, p, into: &result)
            }
            // Keys only base has were deleted on both sides (the same change): already absent.
            var object: [String: JSONValue] = Dictionary(minimumCapacity: result.count)
            for (key, value) in result {
                guard object.index(forKey: key.text) == nil else {
                    // Two spellings of one key survived: a conflict, with what each side has under it,
                    // named as current spells it (one survivor is current's), so the answer does
                    // not depend on the dictionaries' order.
                    let spelling = currentObject.index(forKey: key.text).map { currentObject[$0].key } ?? key.text
                    let at = path + [spelling]
                    if !conflicts.contains(where: { $0.path == at }) {
                        conflicts.append(MergeConflict(path: at, base: baseObject[spelling],
                                                       current: currentObject[spelling], proposed: proposedObject[spelling]))
                    }
                    continue
                }
                object[key.text] = value
            }
            return object
        }

        private mutating func mergeKey(
            _ key: ExactKey, _ b: JSONValue?, _ c: JSONValue?, _ p: JSONValue?, into result: inout [ExactKey: JSONValue]
        ) {
            if c == p { result[key] = c; return }
            if c == b { result[key] = p; return }
            if p == b { result[key] = c; return }
            if let b, let c, let p {
                path.append(key.text)
                result[key] = merge(b, c, p)
                path.removeLast()
                return
            }
            conflicts.append(MergeConflict(path: path + [key.text], base: b, current: c, proposed: p))
        }
    }
}

/// A three-way merge whose text diffs needed more steps than its budget (`ThreeWayMerge.merge(diffBudget:)`).
public struct MergeTooCostly: Error, Sendable, Equatable {
    /// Where the text is in the value (object keys from the top; empty for a top-level string).
    public var path: [String]
}
