import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, `session.delete`: `tandem-admin` changing a session and deleting it within one
    /// look of the server's access watcher (0.25 s). The change went with the log; the delete keeps
    /// the log's last changes with the retired id, and the server publishes what it had not before
    /// `deleted`: its followers see every number, no gap.
    @Suite("An admin delete right after an admin change") struct AdminDeleteTailTests {
        @Test("tandem-admin revoke, archive, then delete, back to back: the followers get the removal and the status, then deleted, no gap")
        func revokeArchiveDelete() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob, carol) = (try harness.user("alice"), try harness.user("bob"), try harness.user("carol"))
            try harness.session("doomed", owner: alice, members: [(bob, .write), (carol, .read)])
            let follower = try harness.connect(bob)
            let head = try follower.ok("session.join", ["session": "doomed"])["head_eseq"]?.intValue ?? -1
            let removedOne = try harness.connect(carol)
            try removedOne.ok("session.join", ["session": "doomed"])
            let admin = try harness.externalStore()
            defer { admin.close() }
            let removal = try admin.adminRemoveMember(session: "doomed", user: "carol")
            _ = try admin.adminArchiveSession(id: "doomed")
            try admin.adminDeleteSession(id: "doomed")

            var seen: [JSONValue] = []
            while let event = follower.nextEvent(timeout: 3) {
                guard event["eseq"] != nil else { continue }
                seen.append(event)
                if event["change"] == "deleted" { break }
            }
            #expect(seen.map { $0["eseq"]?.intValue ?? -1 } == [head + 1, head + 2, head + 3], "every number, in order: \(seen)")
            #expect(seen.first?["event"] == "member" && seen.first?["user"] == "carol" && seen.first?["removed"] == .bool(true)
                    && seen.first?["by"] == "admin" && seen.first?["eseq"]?.intValue == removal, "\(seen)")
            #expect(seen.count == 3 && seen[1]["event"] == "session" && seen[1]["change"] == "status"
                    && seen[1]["info"]?["status"] == "archived", "\(seen)")
            #expect(seen.last?["change"] == "deleted" && seen.last?["by"] == "admin", "\(seen)")

            // The member removed gets their removal and nothing of the session after it.
            var carolSaw: [JSONValue] = []
            while let event = removedOne.nextEvent(timeout: 1) {
                if event["eseq"] != nil { carolSaw.append(event) }
            }
            #expect(carolSaw.map { $0["eseq"]?.intValue ?? -1 } == [removal] && carolSaw.first?["user"] == "carol", "\(carolSaw)")
        }
    }
}
