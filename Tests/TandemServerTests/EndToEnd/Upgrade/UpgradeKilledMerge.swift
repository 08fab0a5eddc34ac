import TandemJSON
@testable import TandemStore
import Testing

/// The fixture whose old server was SIGKILLed with a branch merge in steps half done (populate.py
/// --kill-merging, make/killed.py): the next open rolls the merge forward (docs/store.md, "Crash"), so
/// the parent holds its turns and then every new turn of the branch, the branch is merged, the parent's
/// writes are not held, and a follower that got part of the merge live resumes with the rest in order.
enum UpgradeKilledMerge {
    static func check(_ facts: JSONValue, _ credentials: UpgradeCredentials, database: String) throws {
        guard let merge = facts["killed_merge"] else { return }
        let parent = JSONValue.string(try merge.string("parent"))
        let branch = JSONValue.string(try merge.string("branch"))
        let owner = try credentials.client("owner")
        #expect(try SchemaState.mergeJobs(database) == 0, "the merge the old server was killed in is finished at open")

        let expected = try merge.array("parent_turns") + merge.array("branch_turns")
        let turns = try UpgradeReads.history(owner, try merge.string("parent"))
        #expect(turns.map { $0["content"] ?? .null } == expected, "the parent's turns, then every new turn of the branch")
        #expect(turns.compactMap { $0["seq"]?.intValue } == Array(1...Int64(expected.count)), "numbered without a gap")
        for (key, value) in try merge.object("branch_rows").objectValue ?? [:] {
            let row = try owner.ok("state.get", ["session": parent, "key": .string(key)]).array("rows").first
            #expect(row?["value"] == value, "the branch's row \(key) is merged: \(String(describing: row))")
        }
        #expect(try owner.ok("session.get", ["session": branch]).object("session")["status"] == "archived", "the branch is merged")
        #expect(try owner.errorCode("branch.merge", ["session": branch]) == "conflict", "and merges no second time")

        // The follower resumes from the last event it got live: the rest of the merge, in order, ending
        // with the merge's own event.
        let follower = try credentials.client(try merge.string("follower"))
        let live = try merge.array("live")
        let lastLive = try live.last?["eseq"]?.intValue ?? merge.int("joined_at_eseq")
        _ = follower.takeBufferedEvents()
        let backlog = try follower.ok("session.join", ["session": parent, "since": .integer(lastLive)], timeout: 15).int("backlog")
        var rest: [JSONValue] = []
        while rest.count < backlog, let event = follower.nextDurableEvent(timeout: 10) {
            if event["session"] == parent { rest.append(event) }
        }
        #expect(rest.compactMap { $0["eseq"]?.intValue } == (0..<backlog).map { lastLive + 1 + $0 },
                "the rest of the merge's events, in order from \(lastLive + 1)")
        let merged = (live + rest).filter { $0["event"] == "turn" }.map { $0["content"] ?? .null }
        #expect(merged == (try merge.array("branch_turns")), "every merged turn reached the follower once, in order")
        let rowKeys = Set((live + rest).filter { $0["event"] == "state" }.compactMap { $0["key"]?.stringValue })
        #expect(rowKeys == Set((try merge.object("branch_rows").objectValue ?? [:]).keys), "every merged row reached the follower")
        #expect(rest.last?["event"] == "session" && rest.last?["change"] == "merged", "the merge's end: \(String(describing: rest.last))")

        // The parent is not held: a write member posts, and the follower gets it next.
        let posted = try credentials.client("alice").ok("turn.post", ["session": parent, "content": "after the killed merge"], timeout: 15)
        #expect(posted["turn"]?["seq"]?.intValue == Int64(expected.count + 1))
        let next = follower.nextDurableEvent(timeout: 10)
        #expect(next?["eseq"]?.intValue == lastLive + backlog + 1 && next?["content"] == "after the killed merge", "\(String(describing: next))")
        _ = try follower.ok("session.leave", ["session": parent])

        // What the follower got live before the kill is what a client resuming from the start replays.
        let replayed = Dictionary(try UpgradeReads.replay(owner, try merge.string("parent")).compactMap { event in
            event["eseq"]?.intValue.map { ($0, event) }
        }) { first, _ in first }
        for event in live {
            let eseq = try event.int("eseq")
            let differences = FactDiff.differences(event, replayed[eseq], at: "live event \(eseq)")
            #expect(differences.isEmpty, "\(differences.prefix(8).joined(separator: "\n"))")
        }
    }
}
