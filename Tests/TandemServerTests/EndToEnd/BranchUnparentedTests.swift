import Foundation
import Synchronization
import TandemJSON
@testable import TandemServer
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, `session` event `unparented`: a branch whose parent is deleted, discarded or
    /// purged loses its `parent` with a durable event written in the same transaction (before, it
    /// went silently: no event, no eseq, so followers kept showing a parent, a `branch.merge` then
    /// failed `conflict`, and a poller had to compare `parent` besides `head_eseq`).
    @Suite("Branch unparented") struct BranchUnparentedTests {
        /// alice owns `main`, `b1` is its branch and bob (write) follows `b1`.
        private struct Setup {
            let alice: TestUser
            let bob: TestUser
            let owner: TandemTestClient
            let follower: TandemTestClient
            /// `b1`'s head before its parent goes.
            let head: Int64
        }

        private func setUp(_ harness: TestServer) throws -> Setup {
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            try harness.session("main", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            _ = try owner.ok("turn.post", ["session": "main", "content": "base"])
            try owner.ok("branch.create", ["session": "main", "branch": "b1"])
            let follower = try harness.connect(bob)
            let join = try follower.ok("session.join", ["session": "b1"])
            let head = try #require(join["head_eseq"]?.intValue)
            #expect(join["session"]?["parent"]?["session"] == "main", "\(join)")
            return Setup(alice: alice, bob: bob, owner: owner, follower: follower, head: head)
        }

        /// The next durable event `client` receives (presence skipped).
        private func nextDurable(_ client: TandemTestClient, timeout: Double = 5) -> JSONValue? {
            while let event = client.nextEvent(timeout: timeout) {
                if event["eseq"] != nil { return event }
            }
            return nil
        }

        private func expectUnparented(_ event: JSONValue?, session: String = "b1", eseq: Int64, by: String, detail: String?) {
            let text = String(describing: event)
            #expect(event?["event"] == "session" && event?["change"] == "unparented", "\(text)")
            #expect(event?["session"]?.stringValue == session && event?["eseq"]?.intValue == eseq, "\(text)")
            #expect(event?["by"]?.stringValue == by && event?["detail"]?.stringValue == detail, "\(text)")
            #expect(event?["info"]?["parent"] == nil && event?["info"]?["head_eseq"]?.intValue == eseq, "\(text)")
        }

        @Test("session.delete of the parent: unparented live, replayed after since, and the list item's head_eseq moves")
        func deleteOfTheParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let s = try setUp(harness)
            let before = try #require(try s.owner.ok("session.get", ["session": "b1"])["session"])
            try s.owner.ok("session.delete", ["session": "main"])
            expectUnparented(nextDurable(s.follower), eseq: s.head + 1, by: "alice", detail: "main")

            // A poller: the branch's item comes again, with a higher head_eseq and no parent.
            let since = try #require(before["updated"]?.intValue)
            let listed = try s.owner.ok("session.list", ["updated_since": .integer(since)])["sessions"]?.arrayValue ?? []
            let item = try #require(listed.first { $0["id"] == "b1" }, "\(listed)")
            #expect(item["head_eseq"]?.intValue == s.head + 1 && item["parent"] == nil, "\(item)")

            // A client resuming with `since` is told too.
            let resumed = try harness.connect(s.bob, label: "resumed")
            let join = try resumed.ok("session.join", ["session": "b1", "since": .integer(s.head)])
            #expect(join["backlog"]?.intValue == 1, "\(join)")
            expectUnparented(nextDurable(resumed), eseq: s.head + 1, by: "alice", detail: "main")
        }

        @Test("branch.discard of a branch that has a branch: the child's follower gets unparented")
        func discardOfTheParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let s = try setUp(harness)
            try s.owner.ok("branch.create", ["session": "b1", "branch": "b2"])
            let child = try harness.connect(s.bob, label: "child follower")
            let head = try #require(try child.ok("session.join", ["session": "b2"])["head_eseq"]?.intValue)
            try s.owner.ok("branch.discard", ["session": "b1"])
            expectUnparented(nextDurable(child), session: "b2", eseq: head + 1, by: "alice", detail: "b1")
            // The discarded branch's own follower gets its `deleted`, not an `unparented`.
            #expect(nextDurable(s.follower)?["change"] == "deleted")
        }

        /// Both a delete's own publish (`publishUnparented`) and the access watcher's look for the
        /// log's new entries deliver the event; here the watcher takes one look at the start and none
        /// for an hour, so only the first can.
        @Test("session.delete and branch.discard over the wire publish unparented at once, not on the watcher's next look")
        func publishedByTheDeleteItself() throws {
            let harness = try TestServer(accessWatchInterval: 3600)
            defer { harness.stop() }
            let watcher = harness.server.watcher
            let s = try setUp(harness)
            try s.owner.ok("branch.create", ["session": "main", "branch": "side"])
            try s.owner.ok("branch.create", ["session": "side", "branch": "b2"])
            let child = try harness.connect(s.bob, label: "child follower")
            let childHead = try #require(try child.ok("session.join", ["session": "b2"])["head_eseq"]?.intValue)
            let ticks = watcher.ticks.load(ordering: .relaxed)
            #expect(ticks <= 1, "the watcher looked again: \(ticks)")

            try s.owner.ok("branch.discard", ["session": "side"])
            expectUnparented(nextDurable(child), session: "b2", eseq: childHead + 1, by: "alice", detail: "side")
            try s.owner.ok("session.delete", ["session": "main"])
            expectUnparented(nextDurable(s.follower), eseq: s.head + 1, by: "alice", detail: "main")
            #expect(watcher.ticks.load(ordering: .relaxed) == ticks, "the watcher looked meanwhile")
        }

        @Test("tandem-admin deletes the parent while the server runs: the branch's follower gets unparented by admin")
        func adminDeleteOfTheParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let s = try setUp(harness)
            let admin = try harness.externalStore()
            defer { admin.close() }
            try admin.adminDeleteSession(id: "main")
            expectUnparented(nextDurable(s.follower), eseq: s.head + 1, by: "admin", detail: "main")
        }

        @Test("tandem-admin purges an archived parent while the server runs: the branch's follower gets unparented")
        func adminPurgeOfTheParent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let s = try setUp(harness)
            try s.owner.ok("session.archive", ["session": "main"])
            let admin = try harness.externalStore()
            defer { admin.close() }
            Thread.sleep(forTimeInterval: 0.01)
            #expect(try admin.purgeArchived(olderThan: 0, actor: "admin") == ["main"])
            expectUnparented(nextDurable(s.follower), eseq: s.head + 1, by: "admin", detail: "main")
        }

        @Test("a share-link viewer of the branch gets unparented without detail, live and replayed")
        func viewerOfTheBranch() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let s = try setUp(harness)
            let secret = try s.owner.ok("share.create", ["session": "b1", "expires_in": 3600]).string("secret")
            let viewer = try harness.connect(.shareQuery(secret), label: "viewer")
            try viewer.ok("session.join", ["session": "b1"])
            try s.owner.ok("session.delete", ["session": "main"])
            expectUnparented(nextDurable(s.follower), eseq: s.head + 1, by: "alice", detail: "main")
            expectUnparented(nextDurable(viewer), eseq: s.head + 1, by: "alice", detail: nil)

            let replaying = try harness.connect(.shareQuery(secret), label: "replaying viewer")
            try replaying.ok("session.join", ["session": "b1", "since": .integer(s.head)])
            let replayed = nextDurable(replaying)
            expectUnparented(replayed, eseq: s.head + 1, by: "alice", detail: nil)
            #expect(replayed?["detail"] == nil, "\(String(describing: replayed))")
        }
    }
}
