import TandemJSON

/// `state.get`: the rows asked for, by key (empty when the one key asked for does not exist).
public struct StateGetResult: WireObject {
    public var rows: [StateRow]
    /// Rows are left after the last one (ask again with `after` = its key).
    public var more: Bool

    public init(rows: [StateRow], more: Bool = false) {
        self.rows = rows
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        rows = try r.array("rows")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["rows"] = rows.json
        o["more"] = .bool(more)
    }
}

/// How a `state.put` ended, as its `outcome` field names it.
public enum StatePutOutcome: String, WireEnum {
    case applied, merged, conflict
}

/// `state.put`. A conflict is a successful response (the request was valid; the data disagreed).
public enum StatePutResult: WireObject {
    /// `base` was the current version: written as sent, as `row.version` = base + 1.
    case applied(row: StateRow, eseq: Int64)
    /// `base` was older and the three-way merge was clean: `row.value` is the merged value now stored.
    case merged(row: StateRow, eseq: Int64)
    /// Nothing was written. `current` is the row as it stands (nil if it does not exist); `merged` is
    /// every change that did merge, with current's side kept at each conflict (nil when that is
    /// `current`'s value). Resolve by setting each conflict's path in `merged` to the value chosen, and
    /// write that with `base: current.version`.
    case conflict(current: StateRow?, conflicts: [MergeConflictDTO], merged: JSONValue?)

    public var outcome: StatePutOutcome {
        switch self {
        case .applied: .applied
        case .merged: .merged
        case .conflict: .conflict
        }
    }

    public init(reader r: inout WireReader) throws {
        switch try r.enumValue("outcome", as: StatePutOutcome.self) {
        case .applied: self = .applied(row: try r.nested("row"), eseq: try r.int("eseq", min: 1))
        case .merged: self = .merged(row: try r.nested("row"), eseq: try r.int("eseq", min: 1))
        case .conflict:
            self = .conflict(current: try r.optionalNested("current"), conflicts: try r.array("conflicts"),
                             merged: r.optionalAnyValue("merged"))
        }
    }

    public func write(into o: inout [String: JSONValue]) {
        o["outcome"] = outcome.json
        switch self {
        case .applied(let row, let eseq), .merged(let row, let eseq):
            o["row"] = row.json
            o["eseq"] = .integer(eseq)
        case .conflict(let current, let conflicts, let merged):
            o["current"] = current?.json
            o["conflicts"] = conflicts.json
            o["merged"] = merged
        }
    }
}
