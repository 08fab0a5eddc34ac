import TandemJSON
import TandemProtocol

/// How the user settles a `/set` conflict.
public enum ConflictChoice: String, Sendable, Equatable, CaseIterable {
    /// Your value at each conflicting path; everything else as merged (both sides' other changes kept).
    case ours
    /// Their value at each conflicting path; your other changes still go in (nothing is written when
    /// there are none).
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
        for c in conflicts { value = ConflictPath.setting(ConflictPath.segments(c.path), to: c.proposed, in: value) }
        return value
    }

    /// The `state.put` to send for a choice, or nil when there is nothing to write (`theirs` with no
    /// change of yours left, `edit` without the edited value).
    public func resolution(_ choice: ConflictChoice, session: String, edited: JSONValue? = nil) -> StatePutParams? {
        switch choice {
        case .ours: return StatePutParams(session: session, key: key, value: oursValue, base: currentVersion)
        case .theirs:
            // `merged` keeps their side at each conflict and your changes elsewhere.
            guard let merged, merged != current?.value else { return nil }
            return StatePutParams(session: session, key: key, value: merged, base: currentVersion)
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
