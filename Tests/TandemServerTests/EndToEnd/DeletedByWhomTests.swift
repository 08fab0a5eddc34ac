import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// The `deleted` event names who deleted the session: the member whose `session.delete` or
    /// `branch.discard` it was, `admin` only for tandem-admin. The access watcher, finding a session
    /// gone, announces it as the operator's; when its look fell between the delete's commit and the
    /// server's own announcement it won, and a member's delete went out as `by: "admin"` (found by the
    /// model-based audit, about one delete in a hundred at the watcher's 0.25 s; a look every
    /// millisecond here meets that window within a few deletes). A look that read the session's head
    /// before the delete committed and its members after took every follower for a removed member and
    /// unsubscribed them unannounced: no `deleted` at all (one round in 300, in 2-3 runs of 8).
    @Suite("Deleted by whom") struct DeletedByWhomTests {
        @Test("session.delete and branch.discard by a member: every follower's deleted names that member")
        func deletedNamesTheMember() throws {
            let harness = try TestServer(accessWatchInterval: 0.001)
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            let owner = try harness.connect(alice)
            let follower = try harness.connect(bob)
            var named: [String: Int] = [:]
            for round in 0..<300 {
                let discard = round % 2 == 1
                let id = "doomed-\(round)"
                if discard {
                    try harness.session("main-\(round)", owner: alice, members: [(bob, .write)])
                    try owner.ok("branch.create", ["session": .string("main-\(round)"), "branch": .string(id)])
                } else {
                    try harness.session(id, owner: alice, members: [(bob, .write)])
                }
                try follower.ok("session.join", ["session": .string(id)])
                try owner.ok(discard ? "branch.discard" : "session.delete", ["session": .string(id)])
                var deleted: JSONValue?
                while let event = follower.nextEvent(timeout: 3) {
                    if event["session"]?.stringValue == id && event["change"] == "deleted" { deleted = event; break }
                }
                guard let deleted else {
                    Issue.record("no deleted event for \(id) within 3 s (round \(round))")
                    continue
                }
                named[deleted["by"]?.stringValue ?? "none", default: 0] += 1
            }
            #expect(named == ["alice": 300], "who the deleted events named, and how often")
        }
    }
}
