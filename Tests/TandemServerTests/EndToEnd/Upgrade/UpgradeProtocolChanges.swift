import TandemJSON

/// How today's answers present what an older build presented otherwise, with the data unchanged: the
/// facts are brought to today's presentation before they are compared. Each change is the protocol's
/// (docs/protocol.md, Versioning), not the upgrade's. (The checkpoint listing's key → version map, sent
/// by builds before migration 11, is compared with `checkpoint.get` in `UpgradeReads.snapshot`.)
enum UpgradeProtocolChanges {
    /// `fact` (a session's snapshot from populate.py) as today presents it, given today's `actual`.
    static func aligned(_ fact: JSONValue, with actual: JSONValue) -> JSONValue {
        guard var fields = fact.objectValue else { return fact }
        // Builds up to schema 7 listed members by user id; today strongest role first. Both by user.
        fields["members"] = byUser(fields["members"])
        // (Builds up to schema 7 marked a turn that left history `undone` without saying how: populate.py
        // records the `state` its own undo, clear or restore gave it.)
        if let turns = fields["turns"]?.arrayValue, let now = actual["turns"]?.arrayValue, turns.count == now.count {
            fields["turns"] = .array(zip(turns, now).map { old, _ in
                guard var turn = old.objectValue else { return old }
                // Builds up to schema 5 sent empty metadata and zero tokens; today leaves them out.
                if turn["metadata"] == .object([:]) { turn["metadata"] = FactDiff.absent }
                if turn["tokens"] == ["input": 0, "output": 0] { turn["tokens"] = FactDiff.absent }
                return .object(turn)
            })
        }
        if let events = fields["events"]?.arrayValue {
            fields["events"] = .array(events.map { event in
                guard var fields = event.objectValue, event["event"] == "turn" else { return event }
                if fields["metadata"] == .object([:]) { fields["metadata"] = nil }
                if fields["tokens"] == ["input": 0, "output": 0] { fields["tokens"] = nil }
                return .object(fields)
            })
        }
        return .object(fields)
    }

    /// `actual` with its members by user id, as `aligned` orders the fact's.
    static func actualAligned(_ actual: JSONValue) -> JSONValue {
        guard var fields = actual.objectValue else { return actual }
        fields["members"] = byUser(fields["members"])
        return .object(fields)
    }

    private static func byUser(_ members: JSONValue?) -> JSONValue? {
        guard let list = members?.arrayValue else { return members }
        return .array(list.sorted { ($0["user"]?.stringValue ?? "") < ($1["user"]?.stringValue ?? "") })
    }
}
