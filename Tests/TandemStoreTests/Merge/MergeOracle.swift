import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// An independent check of merge answers, written from the rules rather than from the merge code:
/// it lists each side's changes against base and looks them up in the answer.
enum MergeOracle {
    /// One change of a side against base: the side's value at `path` (nil = key absent there).
    struct Change {
        var path: [String]
        var value: JSONValue?
    }

    /// Where `side` differs from `base`, descending only where both are objects (the unit of
    /// change the rules speak of: a key's value, or a whole value of another kind).
    static func changes(from base: JSONValue?, to side: JSONValue?, at path: [String] = []) -> [Change] {
        if case .object(let b)? = base, case .object(let s)? = side {
            let keys = Set(b.keys).union(s.keys).sorted()
            return keys.flatMap { changes(from: b[$0], to: s[$0], at: path + [$0]) }
        }
        return base == side ? [] : [Change(path: path, value: side)]
    }

    /// Problems with a clean merge `result`: a change of either side missing from it (unless the
    /// other side changed the same place identically), or a value that neither side wrote.
    static func problemsWithMerge(base: JSONValue, current: JSONValue, proposed: JSONValue,
                                  result: JSONValue) -> [String] {
        var problems: [String] = []
        for (side, other, name) in [(current, proposed, "current"), (proposed, current, "proposed")] {
            for change in changes(from: base, to: side) {
                let here = JSONPath.value(at: change.path, in: result)
                let theirs = JSONPath.value(at: change.path, in: other)
                let was = JSONPath.value(at: change.path, in: base)
                if theirs == was || theirs == change.value {
                    if here != change.value {
                        problems.append("\(name)'s change at \(change.path) lost: \(String(describing: here))")
                    }
                } else if case .string(let b)? = was, case .string(let s)? = change.value,
                          case .string(let o)? = theirs {
                    // Both edited one string: the line-level rules are checked by the text
                    // properties; here the key must hold that text merge.
                    let (c, p) = name == "current" ? (s, o) : (o, s)
                    if case .merged(let text) = TextMerge.merge3(base: b, current: c, proposed: p) {
                        if here != .string(text) { problems.append("text merge at \(change.path) not kept") }
                    } else {
                        problems.append("conflicting text at \(change.path) merged silently")
                    }
                } else {
                    problems.append("both sides changed \(change.path) differently, yet merged")
                }
            }
        }
        for change in changes(from: base, to: result) {
            let fromCurrent = JSONPath.value(at: change.path, in: current)
            let fromProposed = JSONPath.value(at: change.path, in: proposed)
            if change.value != fromCurrent && change.value != fromProposed, !isTextMerge(change, base, current, proposed) {
                problems.append("value at \(change.path) comes from neither side")
            }
        }
        return problems
    }

    private static func isTextMerge(_ change: Change, _ base: JSONValue, _ current: JSONValue,
                                    _ proposed: JSONValue) -> Bool {
        guard case .string(let b)? = JSONPath.value(at: change.path, in: base),
              case .string(let c)? = JSONPath.value(at: change.path, in: current),
              case .string(let p)? = JSONPath.value(at: change.path, in: proposed),
              let text = change.value?.stringValue else { return false }
        return TextMerge.merge3(base: b, current: c, proposed: p) == .merged(text)
    }

    /// Problems with a conflict answer: the values reported must be those at the path in each
    /// input, the conflict must be real, and the list sorted, without repeats, never empty.
    static func problemsWithConflicts(base: JSONValue, current: JSONValue, proposed: JSONValue,
                                      conflicts: [MergeConflict]) -> [String] {
        var problems: [String] = conflicts.isEmpty ? ["empty conflict list"] : []
        for conflict in conflicts {
            let b = JSONPath.value(at: conflict.path, in: base)
            let c = JSONPath.value(at: conflict.path, in: current)
            let p = JSONPath.value(at: conflict.path, in: proposed)
            if conflict.base != b || conflict.current != c || conflict.proposed != p {
                problems.append("values reported at \(conflict.path) differ from the inputs")
            }
            if c == b || p == b || c == p {
                problems.append("conflict at \(conflict.path) where at most one side changed")
            }
        }
        for (x, y) in zip(conflicts, conflicts.dropFirst()) where !x.path.lexicographicallyPrecedes(y.path) {
            problems.append("conflicts not sorted / repeated: \(x.path), \(y.path)")
        }
        return problems
    }
}
