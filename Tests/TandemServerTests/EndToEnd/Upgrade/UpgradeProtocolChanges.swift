import TandemJSON

/// How today's answers present what an older build presented otherwise, with the data unchanged, and
/// the one old record a migration deliberately corrected, and a replayed time that was wrong: the facts are brought to today's before they
/// are compared. Each presentation change is the protocol's (docs/protocol.md, Versioning), not the
/// upgrade's. (The checkpoint listing's key → version map, sent by builds before migration 11, is
/// compared with `checkpoint.get` in `UpgradeReads.snapshot`.)
enum UpgradeProtocolChanges {
    /// `fact` (a session's snapshot from populate.py, by a build at `schema`) as today presents it.
    static func aligned(_ fact: JSONValue, schema: Int64) -> JSONValue {
        guard var fields = fact.objectValue else { return fact }
        // Builds before migration 8 left `owner` naming a user who had handed the session over and
        // left; the migration made it the first owner among the members (by time added, then id),
        // as every build since keeps it.
        let owners = (fields["members"]?.arrayValue ?? []).filter { $0["role"] == "owner" }
            .sorted { ($0["added"]?.intValue ?? 0, $0["user"]?.stringValue ?? "") < ($1["added"]?.intValue ?? 0, $1["user"]?.stringValue ?? "") }
        if schema < 8, var session = fields["session"]?.objectValue, let first = owners.first?["user"],
           !owners.contains(where: { $0["user"] == session["owner"] }) {
            session["owner"] = first
            fields["session"] = .object(session)
        }
        // Builds up to schema 7 listed members by user id; today strongest role first. Both by user.
        fields["members"] = byUser(fields["members"])
        // (Builds up to schema 7 marked a turn that left history `undone` without saying how: populate.py
        // records the `state` its own undo, clear or restore gave it.)
        if let turns = fields["turns"]?.arrayValue {
            fields["turns"] = .array(turns.map { old in
                guard var turn = old.objectValue else { return old }
                // Builds up to schema 5 sent empty metadata and zero tokens; today leaves them out.
                if turn["metadata"] == .object([:]) { turn["metadata"] = FactDiff.absent }
                if turn["tokens"] == ["input": 0, "output": 0] { turn["tokens"] = FactDiff.absent }
                return .object(turn)
            })
        }
        // Every build before the twenty-second session's replayed a comment a branch copied (and an import
        // of it kept) with the fork's time as `created`; today a `comment` event carries the comment's
        // own time, as `comment.list` always gave it.
        var commentTimes: [Int64: JSONValue] = [:]
        for comment in fields["comments"]?.arrayValue ?? [] {
            if let id = comment["id"]?.intValue, let created = comment["created"] { commentTimes[id] = created }
        }
        if let events = fields["events"]?.arrayValue {
            fields["events"] = .array(events.map { event in
                guard var fields = event.objectValue else { return event }
                if event["event"] == "comment", var comment = fields["comment"]?.objectValue,
                   let id = comment["id"]?.intValue, let created = commentTimes[id] {
                    comment["created"] = created
                    fields["comment"] = .object(comment)
                    return .object(fields)
                }
                guard event["event"] == "turn" else { return event }
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
