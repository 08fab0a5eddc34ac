import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, events: a `session` event's `info` is the Session after the change. For the
    /// `deleted` event of a session another process (`tandem-admin sessions delete`) deleted, the
    /// server used the session as its last `session.join` read it: turns, a title or a status
    /// changed after that join were missing (head_seq went back from what the followers had
    /// received; found by the model check's admin race, Tests/interop/model/admin_race.py).
    @Suite("Deleted by tandem-admin: the deleted event's info") struct AdminDeleteInfoTests {
        @Test("tandem-admin deletes a session changed since the last join: deleted carries the session as it stood")
        func deletedInfoIsTheFinalSession() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            try harness.session("doomed", owner: alice, members: [(bob, .write)])
            let follower = try harness.connect(bob)
            try follower.ok("session.join", ["session": "doomed"])
            let owner = try harness.connect(alice)
            try owner.ok("turn.post", ["session": "doomed", "content": "one"])
            try owner.ok("turn.post", ["session": "doomed", "content": "two"])
            try owner.ok("session.update", ["session": "doomed", "title": "renamed"])
            let paused = try owner.ok("session.pause", ["session": "doomed"])
            let final = try #require(paused["session"])
            // Everything so far reached the follower before the delete.
            var last: JSONValue?
            while let event = follower.nextEvent(timeout: 3) {
                if event["eseq"] != nil { last = event }
                if event["event"] == "session" && event["change"] == "status" { break }
            }
            let headEseq = try #require(last?["eseq"]?.intValue)

            let admin = try harness.externalStore()
            defer { admin.close() }
            try admin.adminDeleteSession(id: "doomed")

            var deleted: JSONValue?
            while let event = follower.nextEvent(timeout: 3) {
                if event["eseq"] != nil { deleted = event; break }
            }
            let event = try #require(deleted)
            #expect(event["change"] == "deleted" && event["by"] == "admin" && event["eseq"]?.intValue == headEseq + 1, "\(event)")
            let info = try #require(event["info"])
            #expect(info["head_seq"]?.intValue == 2, "the turns posted after the join: \(info)")
            #expect(info["head_eseq"]?.intValue == headEseq + 1, "\(info)")
            #expect(info["title"] == "renamed" && info["status"] == "paused", "\(info)")
            #expect(info["updated"] == final["updated"], "the session's last change, as the pause answered: \(info) vs \(final)")
        }
    }
}
