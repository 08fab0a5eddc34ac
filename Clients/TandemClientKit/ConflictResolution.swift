import TandemJSON
import TandemProtocol

/// How the user settles a `/set` conflict.
public enum ConflictChoice: String, Sendable, Equatable, CaseIterable {
    /// Write your value on top of the current version.
    case ours
    /// Keep what is there now; write nothing.
    case theirs
    /// Type a new value (starting from yours), then write it on the current version.
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

    public init(key: String, yours: JSONValue, current: StateRow?, conflicts: [MergeConflictDTO]) {
        self.key = key
        self.yours = yours
        self.current = current
        self.conflicts = conflicts
    }

    /// The version the retry must name as its base.
    public var currentVersion: Int64 { current?.version ?? 0 }

    /// The `state.put` to send for `ours`, or nil for `theirs` (nothing to write). `edit` needs the edited value.
    public func resolution(_ choice: ConflictChoice, session: String, edited: JSONValue? = nil) -> StatePutParams? {
        switch choice {
        case .ours: StatePutParams(session: session, key: key, value: yours, base: currentVersion)
        case .theirs: nil
        case .edit: edited.map { StatePutParams(session: session, key: key, value: $0, base: currentVersion) }
        }
    }
}
