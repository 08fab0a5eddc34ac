import TandemJSON
import Testing

/// Reads a session from today's server the way Tests/fixtures/upgrade/make/populate.py read it from the
/// old one (`snapshot`): every page of every list, so the two can be compared fact by fact.
enum UpgradeReads {
    /// Every page of a list answer (`key`), asking again with `cursorParam` = `cursorOf(last item)`.
    static func pages(_ client: TandemTestClient, _ op: String, _ key: String, cursorParam: String,
                      _ params: [String: JSONValue], cursorOf: (JSONValue) -> JSONValue?) throws -> [JSONValue] {
        var items: [JSONValue] = []
        var request = params
        while true {
            let page = try client.ok(op, request)
            let got = try page.array(key)
            items += got
            guard page["more"] == .bool(true), let last = got.last, let cursor = cursorOf(last) else { return items }
            request[cursorParam] = cursor
        }
    }

    /// Every turn of a session, undone, cleared and rewound ones included.
    static func history(_ client: TandemTestClient, _ session: String) throws -> [JSONValue] {
        var turns: [JSONValue] = []
        var since: Int64 = 0
        while true {
            let page = try client.ok("history", ["session": .string(session), "since": .integer(since), "limit": 1000,
                                                 "include_undone": true])
            let got = try page.array("turns")
            turns += got
            guard page["more"] == .bool(true), let last = got.last?["seq"]?.intValue else { return turns }
            since = last
        }
    }

    /// The session as populate.py's `snapshot` recorded it: the same keys as `fact` has.
    static func snapshot(_ client: TandemTestClient, _ session: String, like fact: JSONValue) throws -> JSONValue {
        let id = JSONValue.string(session)
        var out: [String: JSONValue] = [:]
        out["session"] = try client.ok("session.get", ["session": id]).object("session")
        out["turns"] = .array(try history(client, session))
        out["rows"] = .array(try pages(client, "state.get", "rows", cursorParam: "after", ["session": id, "limit": 1000]) { $0["key"] })
        out["comments"] = .array(try pages(client, "comment.list", "comments", cursorParam: "after", ["session": id]) { $0["id"] })
        var checkpoints = try pages(client, "checkpoint.list", "checkpoints", cursorParam: "after", ["session": id]) { $0["name"] }
        if fact["checkpoints"]?.arrayValue?.first?["rows"] != nil {
            // Builds before migration 11 (list-pages) sent each checkpoint's key → version map in the
            // listing; today's listing counts it (`row_count`) and `checkpoint.get` pages it.
            checkpoints = try checkpoints.map { checkpoint in
                let entries = try pages(client, "checkpoint.get", "rows", cursorParam: "after",
                                        ["session": id, "name": checkpoint["name"] ?? .null]) { $0["key"] }
                var map: [String: JSONValue] = [:]
                for entry in entries { map[try entry.string("key")] = entry["version"] }
                #expect(checkpoint["row_count"]?.intValue == Int64(entries.count), "\(checkpoint) counts its map")
                var listed = checkpoint.objectValue ?? [:]
                listed["rows"] = .object(map)
                return .object(listed)
            }
        }
        out["checkpoints"] = .array(checkpoints)
        if fact["checkpoint_rows"] != nil {
            var maps: [String: JSONValue] = [:]
            for checkpoint in checkpoints {
                let name = try checkpoint.string("name")
                maps[name] = .array(try pages(client, "checkpoint.get", "rows", cursorParam: "after",
                                              ["session": id, "name": .string(name)]) { $0["key"] })
            }
            out["checkpoint_rows"] = .object(maps)
        }
        out["members"] = try client.ok("member.list", ["session": id])["members"]
        out["shares"] = .array(try pages(client, "share.list", "shares", cursorParam: "after",
                                         ["session": id, "include_revoked": true]) { $0["id"] })
        out["contributions"] = try client.ok("contributions", ["session": id])["contributions"]
        if fact["events"] != nil { out["events"] = .array(try replay(client, session)) }
        return .object(out)
    }

    /// The session's change log as a client resuming from the start gets it: `session.join` with
    /// `since: 0`, then its backlog.
    static func replay(_ client: TandemTestClient, _ session: String) throws -> [JSONValue] {
        _ = client.takeBufferedEvents()
        let backlog = try client.ok("session.join", ["session": .string(session), "since": 0], timeout: 15).int("backlog")
        var events: [JSONValue] = []
        while events.count < backlog, let event = client.nextDurableEvent(timeout: 10) {
            if event["session"]?.stringValue == session { events.append(event) }
        }
        _ = try client.ok("session.leave", ["session": .string(session)])
        _ = client.takeBufferedEvents()
        return events
    }

    /// `[session, seq]` of each search hit (seq 0: a title), sorted as populate.py sorts them.
    static func searchHits(_ client: TandemTestClient, _ query: String) throws -> [JSONValue] {
        let hits = try client.ok("session.search", ["query": .string(query)]).array("hits")
        let pairs = try hits.map { hit -> (String, Int64) in
            (try hit.object("session").string("id"), hit["seq"]?.intValue ?? 0)
        }
        return pairs.sorted { $0 < $1 }.map { .array([.string($0.0), .integer($0.1)]) }
    }
}
