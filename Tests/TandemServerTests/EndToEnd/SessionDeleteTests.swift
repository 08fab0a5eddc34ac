import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md `session.delete`: answered at once, the session gone for everyone and its id
    /// free, its rows removed by the server's writer between other writes.
    @Suite("Session delete") struct SessionDeleteTests {
        @Test("a deleted session is gone for every member at once, its id can be reused, and the rows go while others post")
        func deleteIsImmediateAndRowsGoInTheBackground() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("big", owner: alice, members: [(bob, .write)])
            try harness.session("other", owner: alice, members: [(bob, .write)])
            // 20,000 turns: 80 delete steps of 250, so the removal is still under way for a while.
            for _ in 0..<4 {
                _ = try harness.store.appendTurns(session: "big", actor: "bob",
                                                  (0..<5_000).map { NewTurn(role: .user, content: "old turn \($0)") })
            }
            let owner = try harness.connect(alice)
            let member = try harness.connect(bob)
            try member.ok("session.join", ["session": "big"])
            try member.ok("session.join", ["session": "other"])

            try owner.ok("session.delete", ["session": "big"])
            let event = try #require(member.nextEvent(named: "session"))
            #expect(event["change"] == "deleted")
            #expect(try member.errorCode("history", ["session": "big"]) == "not_found")
            let listed = try member.ok("session.list", [:])["sessions"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(listed == ["other"])
            // The id is free at once: a new session of that name starts empty.
            let created = try owner.ok("session.create", ["session": "big", "title": "again"])
            #expect(created["session"]?["id"] == "big")
            #expect(try owner.ok("history", ["session": "big"])["turns"]?.arrayValue?.isEmpty == true)
            // Posts to another session are answered meanwhile, in order, none lost.
            for i in 1...20 {
                let posted = try member.ok("turn.post", ["session": "other", "content": .string("during \(i)")])
                #expect(posted["turn"]?["seq"]?.intValue == Int64(i))
            }
            try harness.store.finishDeletes()
            let left = try harness.store.read { db throws(StoreError) in
                try db.scalar("SELECT count(*) FROM turns WHERE content LIKE 'old turn %'") ?? -1
            }
            #expect(left == 0)
            #expect(try harness.store.pendingDeletes() == 0)
            // /metrics shows the background work, read when scraped.
            let metrics = harness.server.metrics
            #expect(metrics.render().contains("tandem_store_deletes_pending 0"))
            #expect(metrics.render().contains("# TYPE tandem_store_deletes_pending gauge"))
        }

        @Test("a session deleted by tandem-admin (another process) is announced deleted to its live members and viewers")
        func deleteByAnotherProcessIsAnnounced() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("doomed", owner: alice, members: [(bob, .write)])
            let member = try harness.connect(bob)
            try member.ok("session.join", ["session": "doomed"])
            let link = try harness.connect(alice).ok("share.create", ["session": "doomed", "expires_in": 600])
            let viewer = try harness.connect(.sharePath(try link.string("secret")), label: "viewer")
            try viewer.ok("session.join", ["session": "doomed"])
            let admin = try harness.externalStore()
            defer { admin.close() }
            // Told by the access watcher (a look every 0.25 s); nothing else would tell them. Not a
            // latency bound: a loaded host can take a second over a tick.
            try admin.adminDeleteSession(id: "doomed")
            let event = try #require(member.nextEvent(named: "session", timeout: 10 * testTimeScale))
            #expect(event["change"] == "deleted" && event["session"] == "doomed" && event["by"] == "admin")
            #expect(try member.errorCode("turn.post", ["session": "doomed", "content": "late"]) == "not_found")
            // The viewer is told the same before its connection closes (not "revoked": the session is gone).
            let seen = try #require(viewer.nextEvent(named: "session", timeout: 10 * testTimeScale))
            #expect(seen["change"] == "deleted")
            let closed = try #require(viewer.waitForClose(timeout: 10 * testTimeScale))
            #expect(closed.code == 4403 && closed.reason == "session deleted")
            // The gauge follows when the server has closed the viewer's socket, just after the frame
            // this client read: awaited, not read at once.
            #expect(eventually(timeout: 5) { harness.server.metrics.liveSessions.value == 0 },
                    "no session is live once its last member left it: \(harness.server.metrics.liveSessions.value)")
        }

        @Test("deleted by another process and made again at once: the old followers hear deleted, the new ones every event")
        func deleteByAnotherProcessThenRecreatedAtOnce() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let carol = try harness.user("carol")
            try harness.session("again", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            for n in 0..<30 { try owner.ok("turn.post", ["session": "again", "content": .string("old \(n)")]) }
            let old = try harness.connect(bob)
            try old.ok("session.join", ["session": "again"])
            let admin = try harness.externalStore()
            defer { admin.close() }
            // Within one tick of the access watcher: the id names a new session before anyone noticed.
            try admin.adminDeleteSession(id: "again")
            try owner.ok("session.create", ["session": "again", "title": "second"])
            // More events than the old session had, before anyone joins the new one: none may reach the old follower.
            // Pipelined, so that they commit well within one tick of the access watcher.
            let sent = try (0..<40).map { n in try owner.send("turn.post", ["session": "again", "content": .string("new before join \(n)")]) }
            for id in sent { #expect(try owner.response(to: id)["ok"] == true) }
            try owner.ok("member.add", ["session": "again", "user": "carol", "role": "read"])
            let fresh = try harness.connect(carol)
            let joined = try fresh.ok("session.join", ["session": "again"])
            let start = try #require(joined["head_eseq"]?.intValue)
            for n in 0..<40 { try owner.ok("turn.post", ["session": "again", "content": .string("new \(n)")]) }
            var eseqs: [Int64] = []
            while eseqs.count < 40, let event = fresh.nextDurableEvent(timeout: 3) { eseqs.append(event["eseq"]?.intValue ?? -1) }
            #expect(eseqs == Array((start + 1)...(start + 40)), "the new session's events, every one: \(eseqs)")
            var heard: [JSONValue] = []
            while let event = old.nextEvent(timeout: 1) { heard.append(event) }
            let told = try #require(heard.first { $0["event"] == "session" }, "the old follower was never told")
            #expect(told["change"] == "deleted" && told["by"] == "admin")
            let leaked = heard.filter { $0["event"] == "turn" && $0["content"]?.stringValue?.hasPrefix("new") == true }
            #expect(leaked.isEmpty, "a follower of the deleted session saw the new one's turns: \(leaked.count)")
        }

        @Test("tandem_store_deletes_pending is the count when scraped, not a second old")
        func deletesPendingIsExactWhenScraped() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            for name in ["one", "two", "three"] { try harness.session(name, owner: alice) }
            let metrics = harness.server.metrics
            #expect(metrics.render().contains("tandem_store_deletes_pending 0\n"))
            // Handed to the delete steps by another process (as an interrupted tandem-admin leaves
            // them): nothing tells this server's writer, so the count stays put while we look.
            let other = try Database(path: harness.databasePath)
            _ = try other.run("UPDATE sessions SET status = 'deleting', id = '~deleting~' || sid WHERE id IN ('one', 'two')")
            #expect(try harness.store.pendingDeletes() == 2)
            #expect(metrics.render().contains("tandem_store_deletes_pending 2\n"), "the gauge lagged the store")
            _ = try other.run("UPDATE sessions SET status = 'deleting', id = '~deleting~' || sid WHERE id = 'three'")
            #expect(metrics.render().contains("tandem_store_deletes_pending 3\n"))
        }
    }
}
