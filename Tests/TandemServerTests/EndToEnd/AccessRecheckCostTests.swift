import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// An access change (any audited action: a share link made, turns cleared, a token issued)
    /// made the access watcher read the member roles of every live session, to find members
    /// removed, and the token or link of every connection; it reads those its audit entries name.
    @Suite("Access recheck reads what the access changes name") struct AccessRecheckCostTests {
        private func awaitTicks(_ watcher: AccessWatcher, _ count: Int) {
            let target = watcher.ticks.load(ordering: .relaxed) + count
            let deadline = Date().addingTimeInterval(20 * testTimeScale)
            while watcher.ticks.load(ordering: .relaxed) < target && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        }

        @Test("a share link made and a member removed: roles read of the one session that lost a member, and the member stops receiving it")
        func onlyTheSessionsThatLostAMember() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            for i in 0..<30 { try harness.session("s\(i)", owner: alice, members: [(bob, .write)]) }
            let follower = try harness.connect(bob)
            defer { follower.close() }
            for i in 0..<30 { try follower.ok("session.join", ["session": .string("s\(i)")]) }
            let owner = try harness.connect(alice)
            defer { owner.close() }
            let watcher = harness.server.watcher
            awaitTicks(watcher, 2)

            // Audited, ends no one's access: no roles read, no connection checked again.
            let before = watcher.membershipSessionsRead.load(ordering: .relaxed)
            let recheckedBefore = watcher.recheckedConnections.load(ordering: .relaxed)
            try owner.ok("share.create", ["session": "s3", "expires_in": 3600])
            awaitTicks(watcher, 3)
            #expect(watcher.membershipSessionsRead.load(ordering: .relaxed) == before)
            #expect(watcher.recheckedConnections.load(ordering: .relaxed) == recheckedBefore)

            // Another process removes bob from s7: s7's roles are read, no other session's.
            let admin = try harness.externalStore()
            defer { admin.close() }
            let removal = try admin.adminRemoveMember(session: "s7", user: "bob")
            var told: JSONValue?
            while let event = follower.nextEvent(timeout: 5 * testTimeScale) {
                if event["session"] == "s7" && event["event"] == "member" { told = event; break }
            }
            #expect(told?["eseq"]?.intValue == removal && told?["user"] == "bob", "\(String(describing: told))")
            awaitTicks(watcher, 3)
            #expect(watcher.membershipSessionsRead.load(ordering: .relaxed) - before == 1)
            // bob hears no more of s7, and still of s8.
            try owner.ok("session.update", ["session": "s7", "title": "After bob"])
            try owner.ok("session.update", ["session": "s8", "title": "Still bob's"])
            var sessions: [String] = []
            while let event = follower.nextEvent(timeout: 2 * testTimeScale) {
                if event["eseq"] != nil, let session = event["session"]?.stringValue { sessions.append(session) }
                if sessions.contains("s8") { break }
            }
            #expect(sessions == ["s8"], "\(sessions)")
        }

        @Test("a token revoked by another process: its connection is cut, and only it is checked again")
        func onlyTheConnectionsOfTheNamedToken() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let users = try (0..<6).map { try harness.user("u\($0)") }
            let clients = try users.map { try harness.connect($0) }
            defer { clients.forEach { $0.close() } }
            let watcher = harness.server.watcher
            awaitTicks(watcher, 2)
            let before = watcher.recheckedConnections.load(ordering: .relaxed)
            let admin = try harness.externalStore()
            defer { admin.close() }
            #expect(try admin.adminRevokeToken(id: users[2].tokenID))
            let closed = clients[2].waitForClose(timeout: 5 * testTimeScale)
            #expect(closed?.code == 4401, "\(String(describing: closed))")
            awaitTicks(watcher, 2)
            #expect(watcher.recheckedConnections.load(ordering: .relaxed) - before == 1)
            #expect(clients.enumerated().allSatisfy { $0.offset == 2 || !$0.element.isClosed })
        }

        @Test("what each audited action names is what is checked again; an unknown action, a nameless entry or a cut-off read is anything")
        func scopeFromAuditEntries() {
            let neutral = [AccessChange(action: "share.create", session: "a", target: "l1"), AccessChange(action: "turns.clear", session: "b"),
                           AccessChange(action: "token.issue", target: "t9"), AccessChange(action: "member.role", session: "c", target: "u")]
            #expect(AccessChangeScope.of(neutral, complete: true) == AccessChangeScope())
            let named = AccessChangeScope.of([
                AccessChange(action: "member.remove", session: "a", target: "u1"), AccessChange(action: "share.revoke", session: "a", target: "l1"),
                AccessChange(action: "token.revoke", target: "t1"), AccessChange(action: "token.rotate", target: "t3", replaces: "t2"),
                AccessChange(action: "user.disable", target: "u2"), AccessChange(action: "session.delete", session: "d"),
            ], complete: true)
            #expect(named == AccessChangeScope(tokens: ["t1", "t2"], users: ["u2"], links: ["l1"], linkSessions: ["d"], membershipLosses: ["a"]))
            #expect(named?.concerns(.member(user: "u2", tokenID: "t7")) == true)
            #expect(named?.concerns(.member(user: "u3", tokenID: "t2")) == true)
            #expect(named?.concerns(.member(user: "u3", tokenID: "t4")) == false)
            #expect(named?.concerns(.viewer(linkID: "l2", session: "d", expiresAt: nil)) == true)
            #expect(named?.concerns(.viewer(linkID: "l2", session: "e", expiresAt: nil)) == false)
            #expect(AccessChangeScope.of([AccessChange(action: "session.transfer", session: "b")], complete: true) == nil)
            #expect(AccessChangeScope.of([AccessChange(action: "branch.merge")], complete: true) == nil)
            #expect(AccessChangeScope.of([AccessChange(action: "token.rotate", target: "t3")], complete: true) == nil)
            #expect(AccessChangeScope.of([AccessChange(action: "member.remove", session: "a")], complete: false) == nil)
        }
    }
}
