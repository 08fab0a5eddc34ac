import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md "Recovery: no gap, no duplicate" at a session's end: a change another process
    /// (tandem-admin) wrote just before a `session.delete` or `branch.discard` still reaches the
    /// followers, before `deleted`. The access watcher reads such changes every 0.25 s; a delete
    /// inside that window used to number `deleted` after it and skip it (the consistency
    /// checker's seed 2: eseq 321, an admin revoke, never came; 322, `deleted`, did).
    @Suite("Delete after an external write") struct DeleteAfterExternalWriteTests {
        @Test("session.delete right after tandem-admin removed a member: the followers get the removal, then deleted, no gap")
        func deleteAfterAdminWrite() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("doomed", owner: alice, members: [(bob, .write), (carol, .read)])
            let follower = try harness.connect(bob)
            let head = try follower.ok("session.join", ["session": "doomed"])["head_eseq"]?.intValue ?? -1
            let admin = try harness.externalStore()
            defer { admin.close() }
            let removal = try admin.adminRemoveMember(session: "doomed", user: "carol")
            #expect(removal == head + 1)
            try harness.connect(alice).ok("session.delete", ["session": "doomed"])
            try expectRemovalThenDeleted(follower, removal: removal)
        }

        @Test("branch.discard right after tandem-admin removed a member: the followers get the removal, then deleted, no gap")
        func discardAfterAdminWrite() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("main", owner: alice, members: [(bob, .write), (carol, .read)])
            let owner = try harness.connect(alice)
            try owner.ok("branch.create", ["session": "main", "branch": "b1"])
            let follower = try harness.connect(bob)
            let head = try follower.ok("session.join", ["session": "b1"])["head_eseq"]?.intValue ?? -1
            let admin = try harness.externalStore()
            defer { admin.close() }
            let removal = try admin.adminRemoveMember(session: "b1", user: "carol")
            #expect(removal == head + 1)
            try owner.ok("branch.discard", ["session": "b1"])
            try expectRemovalThenDeleted(follower, removal: removal)
        }

        @Test("tandem-admin removes a member and deletes the session before the server published the removal: deleted comes after the log's last change, no repeat")
        func adminDeleteAfterAdminWrite() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("doomed", owner: alice, members: [(bob, .write), (carol, .read)])
            let early = try harness.connect(bob)
            let head = try early.ok("session.join", ["session": "doomed"])["head_eseq"]?.intValue ?? -1
            let admin = try harness.externalStore()
            defer { admin.close() }
            // Both within one tick of the server's access watcher (0.25 s): the removal is in the log,
            // and a member who joins now is told so by the join's head, before the server publishes it.
            let removal = try admin.adminRemoveMember(session: "doomed", user: "carol")
            let late = try harness.connect(bob)
            let lateHead = try late.ok("session.join", ["session": "doomed"])["head_eseq"]?.intValue ?? -1
            #expect(lateHead == removal)
            try admin.adminDeleteSession(id: "doomed")

            // The late joiner gets `deleted` after the head it knows: under the removal's number it
            // would drop it as a repeat and never learn the session went.
            let lateLast = try #require(nextLogged(late))
            #expect(lateLast["event"] == "session" && lateLast["change"] == "deleted" && lateLast["eseq"]?.intValue == removal + 1,
                    "\(lateLast)")
            // The early one gets the removal (published by the watcher before the delete, or from the
            // tail the delete kept: AdminDeleteTailTests), then `deleted`: no gap.
            try expectRemovalThenDeleted(early, removal: removal)
            #expect(head + 1 == removal)
        }

        /// The next event of the change log (presence is not in it).
        private func nextLogged(_ follower: TandemTestClient) -> JSONValue? {
            while let event = follower.nextEvent(timeout: 3) {
                if event["eseq"] != nil { return event }
            }
            return nil
        }

        private func expectRemovalThenDeleted(_ follower: TandemTestClient, removal: Int64) throws {
            let first = try #require(nextLogged(follower))
            #expect(first["event"] == "member" && first["user"] == "carol" && first["eseq"]?.intValue == removal,
                    "the admin's removal comes first, at its own number: \(first)")
            let last = try #require(nextLogged(follower))
            #expect(last["event"] == "session" && last["change"] == "deleted" && last["eseq"]?.intValue == removal + 1,
                    "then deleted, right after it: \(last)")
        }
    }
}
