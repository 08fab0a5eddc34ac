// TEMPORARY: stands in for branch `merge` until it lands; deleted before the final commit.
import TandemJSON
public enum MergeOutcome: Sendable, Equatable { case merged(JSONValue), conflict([MergeConflict]) }
public struct MergeConflict: Sendable, Equatable { public var path: [String]; public var base: JSONValue?; public var current: JSONValue?; public var proposed: JSONValue? }
public enum ThreeWayMerge {
    public static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue) -> MergeOutcome {
        if current == base { return .merged(proposed) }
        if proposed == base || proposed == current { return .merged(current) }
        return .conflict([MergeConflict(path: [], base: base, current: current, proposed: proposed)])
    }
}
