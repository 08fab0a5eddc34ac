import TandemJSON
import TandemMerge
import TandemProtocol

/// How the user settles a `/set` conflict.
public enum ConflictChoice: String, Sendable, Equatable, CaseIterable {
    /// Your value at each conflicting path; everything else as merged (both sides' other changes kept).
    /// In a text, your lines where the two conflict; their changes to other lines of it kept.
    case ours
    /// Their value at each conflicting path; your other changes still go in (nothing is written when
    /// there are none). In a text, their lines where the two conflict; yours elsewhere in it kept.
    case theirs
    /// Type a new value (starting from `ours`'s), then write it on the current version.
    case edit

    /// Reads the user's answer; nil when it is none of the three.
    public static func parse(_ text: String) -> ConflictChoice? {
        ConflictChoice(rawValue: text.trimmingSpaces().lowercased())
    }
}

/// A `/set` whose write hit a conflict and waits for the user's choice.
public struct PendingConflict: Sendable, Equatable {
    public var key: String
    /// The value the user tried to write.
    public var yours: JSONValue
    /// The row as it stands on the server (nil when it was deleted).
    public var current: StateRow?
    public var conflicts: [MergeConflictDTO]
    /// The server's merge with their side kept at each conflict (nil: the current value, which the
    /// answer leaves out then).
    public var merged: JSONValue?

    public init(key: String, yours: JSONValue, current: StateRow?, conflicts: [MergeConflictDTO], merged: JSONValue? = nil) {
        self.key = key
        self.yours = yours
        self.current = current
        self.conflicts = conflicts
        self.merged = merged
    }

    /// The version the retry must name as its base.
    public var currentVersion: Int64 { current?.version ?? 0 }

    /// What `ours` writes: the merge with your side at each conflicting path. Writing your whole value
    /// instead would undo the changes of theirs that merged cleanly with yours.
    public var oursValue: JSONValue {
        guard var value = merged ?? current?.value else { return yours }
        for c in conflicts { value = ConflictPath.setting(ConflictPath.segments(c.path), to: Self.settled(c, taking: .proposed), in: value) }
        return value
    }

    /// What `theirs` writes: the server's merge (their side at each conflicting path, your changes
    /// elsewhere), with your changes to the other lines of a conflicting text merged in too.
    public var theirsValue: JSONValue? {
        guard var value = merged ?? current?.value else { return nil }
        for c in conflicts where c.lines != nil {
            value = ConflictPath.setting(ConflictPath.segments(c.path), to: Self.settled(c, taking: .current), in: value)
        }
        return value
    }

    /// The line-diff steps a text's resolution may take: the server's default `max-merge-diff-steps`
    /// (~30 ms); a longer one settles for that side's whole text.
    public static let textResolutionSteps = 10_000_000

    /// The value a conflict settles to for `side`: for three texts, their line merge with that side's
    /// lines where the two conflict (as the server merges them: the same code); else that side's value.
    static func settled(_ c: MergeConflictDTO, taking side: TextMerge.Side) -> JSONValue? {
        let whole = side == .proposed ? c.proposed : c.current
        guard case .string(let base)? = c.base, case .string(let current)? = c.current,
              case .string(let proposed)? = c.proposed else { return whole }
        var budget = textResolutionSteps
        return TextMerge.resolve(base: base, current: current, proposed: proposed, taking: side, budget: &budget)
            .map(JSONValue.string) ?? whole
    }

    /// The `state.put` to send for a choice, or nil when there is nothing to write (`theirs` with no
    /// change of yours left, `edit` without the edited value).
    public func resolution(_ choice: ConflictChoice, session: String, edited: JSONValue? = nil) -> StatePutParams? {
        switch choice {
        case .ours: return StatePutParams(session: session, key: key, value: oursValue, base: currentVersion)
        case .theirs:
            guard let value = theirsValue, value != current?.value else { return nil }
            return StatePutParams(session: session, key: key, value: value, base: currentVersion)
        case .edit: return edited.map { StatePutParams(session: session, key: key, value: $0, base: currentVersion) }
        }
    }
}

/// Object paths as a conflict names them: JSON Pointers (RFC 6901) whose segments are object keys
/// (merges never go into arrays).
public enum ConflictPath {
    /// The keys of `pointer` from the top (`""`: the whole value; `~1` is `/`, `~0` is `~`).
    public static func segments(_ pointer: String) -> [String] {
        guard !pointer.isEmpty else { return [] }
        return pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { String($0).replacing("~1", with: "/").replacing("~0", with: "~") }
    }

    /// `value` with the member at `path` set to `new` (removed when nil; the whole value `null` when the
    /// path is empty and `new` nil). A path through something that is not an object leaves it as it is.
    public static func setting(_ path: some Collection<String>, to new: JSONValue?, in value: JSONValue) -> JSONValue {
        guard let key = path.first else { return new ?? .null }
        guard case .object(var object) = value else { return value }
        let rest = path.dropFirst()
        if rest.isEmpty {
            // Removed first: assigning would keep a canonically equivalent key's old spelling.
            object.removeValue(forKey: key)
            if let new { object[key] = new }
        } else if let inner = object[key] {
            object[key] = setting(rest, to: new, in: inner)
        }
        return .object(object)
    }
}
