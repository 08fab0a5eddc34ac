import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// The `deleted` event names who deleted the session: the member whose `session.delete` or
    /// `branch.discard` it was, `admin` only for tandem-admin. The access watcher, finding a session
    /// gone, announces it as the operator's; when its look fell between the delete's commit and the
    /// server's own announcement it won, and a member's delete went out as `by: "admin"` (found by the
    /// model-based audit, about one delete in a hundred at the watcher's 0.25 s; a look every
    /// millisecond here meets that window within a few deletes).
    @Suite("Deleted by whom") struct DeletedByWhomTests {
        @Test("session.delete and branch.discard by a member: every follower's deleted names that member")
        func deletedNamesTheMember() throws {
            let harness = try TestServer(accessWatchInterval: 0.001)
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            let owner = try harness.connect(alice)
            let follower = try harness.connect(bob)
            var named: [String: Int] = [:]
            var missing = 0
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
                    // Known, not yet mended: now and then the follower gets no `deleted` at all (2 runs
                    // of this test in 8 on the slower VM of 2026-12-06, one round each; the issue's
                    // closing note). Recorded as a known issue so it stays visible in every run.
                    withKnownIssue("a follower got no deleted event for \(id)", isIntermittent: true) {
                        Issue.record("no deleted event for \(id) within 3 s (round \(round))")
                    }
                    missing += 1
                    continue
                }
                named[deleted["by"]?.stringValue ?? "none", default: 0] += 1
            }
            #expect(missing <= 3, "\(missing) of 300 deletes told the follower nothing")
            #expect(named == ["alice": 300 - missing], "who the deleted events named, and how often")
        }
    }
}
