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

    public init(path: [String], base: JSONValue?, current: JSONValue?, proposed: JSONValue?) {
        self.path = path
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
}
