import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// A share-link viewer may not list checkpoints or touch branches (`forbidden`), but the `session`
    /// events of a restore and a merge told it the checkpoint's name and the branch's id in `detail`,
    /// live and on replay. Members keep both.
    @Suite("Share viewers and session events") struct ViewerSessionEventTests {
        @Test func viewersSeeARestoreAndAMergeWithoutTheirDetail() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-ve", owner: alice)
            let owner = try harness.connect(alice)
            let start = try owner.ok("turn.post", ["session": "s-ve", "content": "first"]).int("eseq")
            let secret = try owner.ok("share.create", ["session": "s-ve", "expires_in": 3600]).string("secret")
            let live = try harness.connect(.shareQuery(secret), label: "live viewer")
            try live.ok("session.join", ["session": "s-ve"])
            try owner.ok("session.join", ["session": "s-ve"])

            try owner.ok("checkpoint.save", ["session": "s-ve", "name": "secret-plan-cp"])
            try owner.ok("turn.post", ["session": "s-ve", "content": "second"])
            try owner.ok("checkpoint.restore", ["session": "s-ve", "name": "secret-plan-cp"])
            try owner.ok("branch.create", ["session": "s-ve", "branch": "hidden-branch-id"])
            try owner.ok("turn.post", ["session": "hidden-branch-id", "content": "on the branch"])
            try owner.ok("branch.merge", ["session": "hidden-branch-id"])

            /// The `session` events up to the `count`th, and the eseq of every durable event on the way.
            func sessionEvents(_ client: TandemTestClient, count: Int) -> (found: [JSONValue], eseqs: [Int64]) {
                var found: [JSONValue] = []
                var eseqs: [Int64] = []
                while found.count < count, let event = client.nextEvent(timeout: 5) {
                    if let eseq = event["eseq"]?.intValue { eseqs.append(eseq) }
                    if event["event"] == "session" { found.append(event) }
                }
                return (found, eseqs)
            }
            // Live: the member and the viewer each get the restore and the merge, and the same events.
            let (memberLive, memberEseqs) = sessionEvents(owner, count: 2)
            #expect(memberLive.map { $0["change"]?.stringValue } == ["restored", "merged"])
            #expect(memberLive.map { $0["detail"]?.stringValue } == ["secret-plan-cp", "hidden-branch-id"])
            let (viewerLive, viewerEseqs) = sessionEvents(live, count: 2)
            #expect(viewerEseqs == memberEseqs && viewerEseqs.count >= 4, "\(viewerEseqs) \(memberEseqs)")
            #expect(viewerLive.map { $0["change"]?.stringValue } == ["restored", "merged"])
            #expect(viewerLive.allSatisfy { $0["detail"] == nil }, "\(viewerLive)")
            #expect(!"\(viewerLive)".contains("secret-plan-cp") && !"\(viewerLive)".contains("hidden-branch-id"))

            // Replayed with `since`: the same.
            let replaying = try harness.connect(.shareQuery(secret), label: "replaying viewer")
            let join = try replaying.ok("session.join", ["session": "s-ve", "since": .integer(start)])
            var replayed: [JSONValue] = []
            for _ in 0..<(try join.int("backlog")) {
                guard let event = replaying.nextEvent(timeout: 5) else { break }
                replayed.append(event)
            }
            let viewerReplay = replayed.filter { $0["event"] == "session" }
            #expect(viewerReplay.map { $0["change"]?.stringValue } == ["restored", "merged"])
            #expect(!"\(replayed)".contains("secret-plan-cp") && !"\(replayed)".contains("hidden-branch-id"), "\(replayed)")

            let member = try harness.connect(alice, label: "replaying member")
            let memberJoin = try member.ok("session.join", ["session": "s-ve", "since": .integer(start)])
            var memberReplay: [JSONValue] = []
            for _ in 0..<(try memberJoin.int("backlog")) {
                guard let event = member.nextEvent(timeout: 5) else { break }
                if event["event"] == "session" { memberReplay.append(event) }
            }
            #expect(memberReplay.map { $0["detail"]?.stringValue } == ["secret-plan-cp", "hidden-branch-id"])
        }
    }
}
