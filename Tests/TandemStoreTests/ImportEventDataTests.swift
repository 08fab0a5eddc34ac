import Foundation
import TandemJSON
import Testing
@testable import TandemStore

/// An imported change log must replay whole: an event the server cannot turn into a wire event (an undo
/// or comment without its turn, a comment without its id or text, a membership change without its user)
/// was skipped in replay, so a `session.join` announced a `backlog` it never sent and a client recovering
/// with `since` waited for a gap; a role the server does not know replayed as the member's removal.
@Suite struct ImportEventDataTests {
    /// `document` with `key` of its first event of `kind` set to `value`.
    func edited(_ document: JSONValue, kind: String, _ key: String, _ value: JSONValue) throws -> JSONValue {
        guard case .object(var top) = document, case .array(var events) = top["events"] ?? .null else { return document }
        let index = try #require(events.firstIndex { $0["kind"]?.stringValue == kind }, "the export has a \(kind) event")
        guard case .object(var event) = events[index] else { return document }
        event[key] = value
        events[index] = .object(event)
        top["events"] = .array(events)
        return .object(top)
    }

    @Test func eventsAReplayCouldNotSendAreRefused() throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.exportSession(id: "s1", actor: "alice")
            #expect(refusal(store, document) == nil, "the unedited export imports")
            let cases: [(String, JSONValue)] = [
                ("member event data not an object", try edited(document, kind: "member", "data", 5)),
                ("member event without its user", try edited(document, kind: "member", "data", ["role": "write"])),
                ("member event with a user that is a number", try edited(document, kind: "member", "data", ["user": 5, "role": "write"])),
                ("member event with an unknown role", try edited(document, kind: "member", "data", ["user": "bob", "role": "king"])),
                ("comment event without data", try edited(document, kind: "comment", "data", .null)),
                ("comment event with a text id", try edited(document, kind: "comment", "data", ["id": "x", "body": "c"])),
                ("comment event without its body", try edited(document, kind: "comment", "data", ["id": 1])),
                ("comment event without its turn", try edited(document, kind: "comment", "turn_seq", .null)),
                ("undo event without its turn", try edited(document, kind: "undo", "turn_seq", .null)),
            ]
            for (what, bad) in cases {
                #expect(refusal(store, bad) == "invalid_argument", "\(what)")
            }
            // A removal (role null, or no role) and every role are fine.
            #expect(refusal(store, try edited(document, kind: "member", "data", ["user": "bob", "role": .null])) == nil)
            #expect(refusal(store, try edited(document, kind: "member", "data", ["user": "bob"])) == nil)
            #expect(refusal(store, try edited(document, kind: "member", "data", ["user": "bob", "role": "owner"])) == nil)
        }
    }

    /// Every event of an accepted import comes back from the change log with what its wire event needs.
    @Test func anImportedLogReplaysEveryEvent() throws {
        try withStore { store in
            try makeRichSession(store)
            _ = try store.importSession(try store.exportSession(id: "s1", actor: "alice"), asID: "copy", claimedBy: "alice")
            let log = try store.changes(session: "copy", actor: "alice", since: 0)
            #expect(log.events.map(\.eventSeq) == Array(1...log.lastEventSeq))
            for event in log.events {
                switch event.kind {
                case .undo: #expect(event.turnSeq != nil)
                case .comment: #expect(event.comment != nil && event.turnSeq != nil)
                case .member: #expect(event.data?["user"]?.stringValue != nil)
                default: break
                }
            }
        }
    }
}
