import TandemJSON

/// The answer of a three-way merge of shared-state row values.
public enum MergeOutcome: Sendable, Equatable {
    /// Every change of both sides fits together; the value to store as the next version.
    case merged(JSONValue)
    /// At least one place where both sides changed the same thing differently. Never empty,
    /// sorted by path, so equal inputs always give the same answer.
    case conflict([MergeConflict])
}

/// One place where current and proposed changed the same value in different ways.
///
/// The three values are those found at `path` in base, current and proposed, so a client can
/// resolve by picking one of them (or a new value) and writing again on the current version.
/// When all three are strings (merged line by line), `lines` says which of their lines clashed.
public struct MergeConflict: Sendable, Equatable {
    /// Object keys from the root down to the conflicting value; `[]` is the whole value.
    /// (Array indices would appear as decimal strings, but arrays merge as whole values, so
    /// merges never descend into them.)
    public var path: [String]
    /// The value in base; `nil` when the key was absent there (both sides added it).
    public var base: JSONValue?
    /// The value in current; `nil` when current deleted the key.
    public var current: JSONValue?
    /// The value in proposed; `nil` when proposed deleted the key.
    public var proposed: JSONValue?
    /// For three strings merged line by line: the regions that conflicted (docs/store.md, "Text
    /// merges, line by line", rule 5), in text order; the regions that merged are not listed. Cut
    /// at the merge's share of its `maxConflictLines` (`ThreeWayMerge.defaultMaxConflictLines`; then `linesMore`).
    /// `nil` for every other conflict, and when the one region is the whole of all three texts.
    public var lines: [ConflictingLines]?
    /// True when `lines` was cut short: this text has more conflicting regions than it lists.
    public var linesMore: Bool

    public init(path: [String], base: JSONValue?, current: JSONValue?, proposed: JSONValue?,
                lines: [ConflictingLines]? = nil, linesMore: Bool = false) {
        self.path = path
        self.base = base
        self.current = current
        self.proposed = proposed
        self.lines = lines
        self.linesMore = linesMore
    }
}

/// One region of a text that both sides changed differently, as line ranges of base, current and
/// proposed: zero-based, lines cut after every "\n" (rule 1). An empty range is where the side has
/// no lines there, at the line before which they would be.
public struct ConflictingLines: Sendable, Equatable {
    public var base: Range<Int>
    public var current: Range<Int>
    public var proposed: Range<Int>

    public init(base: Range<Int>, current: Range<Int>, proposed: Range<Int>) {
        self.base = base
        self.current = current
        self.proposed = proposed
    }
}

extension MergeConflict {
    /// Deterministic report order: segment by segment, a prefix first.
    static func pathOrder(_ lhs: MergeConflict, _ rhs: MergeConflict) -> Bool {
        lhs.path.lexicographicallyPrecedes(rhs.path)
    }

    /// Keeps at most `limit` conflicting regions over all of `conflicts` (sorted by path), the first
    /// in path order and text order, marking each text whose list was cut: a text of thousands of
    /// conflicting regions answers a bounded list, the same one each time.
    static func capLines(_ conflicts: inout [MergeConflict], at limit: Int) {
        var left = limit
        for i in conflicts.indices {
            guard let lines = conflicts[i].lines else { continue }
            if lines.count > left {
                conflicts[i].lines = Array(lines.prefix(left))
                conflicts[i].linesMore = true
            }
            left -= conflicts[i].lines!.count
        }
    }
}
