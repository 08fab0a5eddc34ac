import Foundation
import TandemJSON
import Testing
@testable import TandemStore

/// An import document is held to what a session made here keeps: counters that match the lists,
/// records within the limits, a change log without gaps. Each edit below was accepted before, and
/// the session it made failed later posts (`internal`, and every post batched with them), crashed
/// the writer (a counter near Int64.max), or replayed its change log with gaps.
@Suite struct ImportValidationTests {
    /// `document` with `key` of the session record, or of record `index` of `list`, set to `value`.
    func edited(_ document: JSONValue, list: String? = nil, index: Int = 0, _ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var top) = document else { return document }
        if let list {
            guard case .array(var records) = top[list] ?? .null, case .object(var record) = records[index] else { return document }
            record[key] = value
            records[index] = .object(record)
            top[list] = .array(records)
        } else {
            guard case .object(var session) = top["session"] ?? .null else { return document }
            session[key] = value
            top["session"] = .object(session)
        }
        return .object(top)
    }

    func appended(_ document: JSONValue, list: String, _ record: JSONValue) -> JSONValue {
        guard case .object(var top) = document, case .array(var records) = top[list] ?? .null else { return document }
        records.append(record)
        top[list] = .array(records)
        return .object(top)
    }

    /// Found by the `import` fuzz target: a document whose owner is neither in its `users` nor in
    /// the database failed on a foreign key (`sqlite`, answered `internal`); now `invalid_argument`.
    @Test func anOwnerNobodyKnowsIsRefused() throws {
        try withStore { store in
            let text = #"{"checkpoints":[],"comments":[],"contributions":[],"events":[],"format":"tandem.session","members":[{"added_at":1,"role":"owner","user":"zed"}],"row_history":[],"rows":[],"session":{"archived_at":null,"branch_status":null,"created_at":1,"fork_rows":null,"fork_seq":null,"id":"empty","last_event_seq":0,"last_turn_seq":0,"metadata":{},"owner":"zed","parent_id":null,"paused_at":null,"status":"active","title":"","updated_at":1},"turns":[],"version":1}"#
            do throws(StoreError) {
                _ = try store.importSession(json: text)
                Issue.record("imported a session whose owner is nobody")
            } catch {
                #expect(error.kind == .invalidArgument, "\(error)")
            }
            #expect((try? store.session(id: "empty")) == nil)
        }
    }

    @Test func documentsThatBreakTheSessionsRulesAreRefused() throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.exportSession(id: "s1", actor: "alice")
            #expect(refusal(store, document) == nil, "the unedited export imports")
            let lastTurn = try #require(document["session"]?["last_turn_seq"]?.intValue)
            let lastEvent = try #require(document["session"]?["last_event_seq"]?.intValue)
            let stateEvent = try #require(document["events"]?.arrayValue?.firstIndex { $0["kind"] == "state" })
            let cases: [(String, JSONValue, String)] = [
                ("turn counter below the turns", edited(document, "last_turn_seq", .integer(1)), "invalid_argument"),
                ("turn counter above the turns", edited(document, "last_turn_seq", .integer(lastTurn + 3)), "invalid_argument"),
                ("turn counter near Int64.max", edited(document, "last_turn_seq", .integer(.max)), "invalid_argument"),
                ("event counter below the log", edited(document, "last_event_seq", .integer(2)), "invalid_argument"),
                ("event counter near Int64.max", edited(document, "last_event_seq", .integer(.max - 1)), "invalid_argument"),
                ("event counter past the log", edited(document, "last_event_seq", .integer(lastEvent + 1)), "invalid_argument"),
                ("two turns with one seq", edited(document, list: "turns", index: 1, "seq", .integer(1)), "invalid_argument"),
                ("turn seq 0", edited(document, list: "turns", "seq", .integer(0)), "invalid_argument"),
                ("turn event seq out of order", edited(document, list: "turns", index: 1, "event_seq", .integer(1)), "invalid_argument"),
                ("negative tokens", edited(document, list: "turns", "tokens_in", .integer(-1000)), "invalid_argument"),
                ("metadata not an object", edited(document, list: "turns", "metadata", [1, 2]), "invalid_argument"),
                ("session metadata not an object", edited(document, "metadata", [1, 2]), "invalid_argument"),
                ("content over the limit", edited(document, list: "turns", "content", .string(String(repeating: "x", count: (1 << 20) + 1))), "too_large"),
                ("title over the limit", edited(document, "title", .string(String(repeating: "t", count: 5000))), "too_large"),
                ("a bad nonce", edited(document, list: "turns", "nonce", "no spaces allowed"), "invalid_argument"),
                ("an empty author", edited(document, list: "turns", "author", ""), "invalid_argument"),
                ("an empty comment author", edited(document, list: "comments", "author", ""), "invalid_argument"),
                ("comment on a turn past the counter", edited(document, list: "comments", "turn_seq", .integer(lastTurn + 1)), "invalid_argument"),
                ("row version near Int64.max", edited(document, list: "rows", "version", .integer(.max)), "invalid_argument"),
                ("state event naming a version history lacks", edited(document, list: "events", index: stateEvent, "row_version", .integer(99)), "invalid_argument"),
                ("unknown event kind", edited(document, list: "events", "kind", "surprise"), "invalid_argument"),
                ("contributions near overflow", edited(document, list: "contributions", "turns", .integer(1 << 62)), "invalid_argument"),
                ("a timestamp past year 9999", edited(document, list: "turns", "created_at", .integer(.max)), "invalid_argument"),
            ]
            for (what, bad, code) in cases {
                #expect(refusal(store, bad) == code, "\(what)")
            }
            // Two rows whose keys differ only in Unicode normalization.
            let row: JSONValue = ["key": "caf\u{e9}", "version": 1, "value": 1, "author": "bob", "at": 1_700_000_000_000, "merged": false]
            let respelled = appended(appended(document, list: "rows", row), list: "rows",
                                     ["key": "cafe\u{301}", "version": 1, "value": 2, "author": "bob", "at": 1_700_000_000_000, "merged": false])
            #expect(refusal(store, respelled) == "invalid_argument")
            #expect(refusal(store, appended(document, list: "rows", row)) == nil)
            // An extra event at the end of the log with the counter raised to match is fine.
            let more = appended(edited(document, "last_event_seq", .integer(lastEvent + 1)), list: "events",
                                ["seq": .integer(lastEvent + 1), "kind": "status", "actor": "alice", "data": ["status": "active"],
                                 "created_at": 1_700_000_000_000])
            #expect(refusal(store, more) == nil)
        }
    }

    /// An archived session imported without the time it was archived was never purged (`purgeArchived`
    /// compares that time): a member could keep one past the server's retention. It takes its last change's.
    @Test func anArchivedImportWithoutItsTimeIsStillPurged() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeRichSession(store)
            let document = try store.exportSession(id: "s1", actor: "alice")
            let updated = try #require(document["session"]?["updated_at"]?.intValue)
            let archived = edited(edited(document, "status", "archived"), "archived_at", .null)
            let copy = try store.importSession(archived, asID: "copy", claimedBy: "alice")
            #expect(copy.status == .archived && copy.archivedAt == updated)
            let paused = try store.importSession(edited(edited(document, "status", "paused"), "paused_at", .null), asID: "paused",
                                                 claimedBy: "alice")
            #expect(paused.pausedAt == updated)
            clock.advance(1_000)
            #expect(try store.purgeArchived(olderThan: 500) == ["copy"])
        }
    }

    /// What an accepted import makes takes posts and row writes as a session made here does.
    @Test func anImportedSessionTakesPostsAndWrites() throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy", claimedBy: "alice")
            let before = try store.session(id: "copy", actor: "alice")
            let turn = try store.appendTurn(session: "copy", actor: "alice", NewTurn(role: .user, content: "next"))
            #expect(turn.seq == before.lastTurnSeq + 1)
            let row = try store.writeRow(session: "copy", actor: "alice", key: "doc", value: ["a": 8], baseVersion: 1)
            #expect(row.row?.merged == true || row.row == nil)
        }
    }

    /// A document written by hand may give a row without its history: the history starts with it, so a
    /// write based on that version merges instead of failing.
    @Test func aRowWithoutHistoryGetsItsFirstHistoryEntry() throws {
        try withStore { store in
            try makeSession(store)
            var document = try store.exportSession(id: "s1", actor: "alice")
            document = appended(document, list: "rows", ["key": "plan", "version": 3, "value": ["a": 1, "b": 2], "author": "bob",
                                                         "at": 1_700_000_000_000, "merged": false])
            _ = try store.importSession(document, asID: "copy", claimedBy: "alice")
            _ = try store.writeRow(session: "copy", actor: "alice", key: "plan", value: ["a": 5, "b": 2], baseVersion: 3)
            let merged = try store.writeRow(session: "copy", actor: "alice", key: "plan", value: ["a": 1, "b": 9], baseVersion: 3)
            #expect(merged.row?.value == ["a": 5, "b": 9])
        }
    }
}
