import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// An access change (any audited action: a share link made, turns cleared, a token issued)
    /// made the access watcher read the member roles of every live session, to find members
    /// removed; it reads those of the sessions its audit entries name as losing a member.
    @Suite("Access recheck reads the roles of sessions that lost a member only") struct AccessRecheckCostTests {
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

            // Audited, removes no one: no roles read.
            let before = watcher.membershipSessionsRead.load(ordering: .relaxed)
            try owner.ok("share.create", ["session": "s3", "expires_in": 3600])
            awaitTicks(watcher, 3)
            #expect(watcher.membershipSessionsRead.load(ordering: .relaxed) == before)

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

        @Test("removals are told apart from the actions that remove no one; an unknown action or a cut-off read is anyone's")
        func lossesFromAuditEntries() {
            #expect(MembershipLosses.sessions(in: [("share.create", "a"), ("turns.clear", "b"), ("token.issue", nil)], complete: true) == [])
            #expect(MembershipLosses.sessions(in: [("member.remove", "a"), ("user.remove", nil), ("member.remove", "c")], complete: true) == ["a", "c"])
            #expect(MembershipLosses.sessions(in: [("member.remove", "a"), ("session.transfer", "b")], complete: true) == nil)
            #expect(MembershipLosses.sessions(in: [("member.remove", "a")], complete: false) == nil)
        }
    }
}
