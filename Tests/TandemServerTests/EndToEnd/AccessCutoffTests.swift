import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "expiry and revocation cut live connections", and "changing a member's role or
    /// revoking a token or share link (also from the admin CLI writing the database directly while
    /// the server runs) takes effect on live connections within one second".
    @Suite("Access cut-offs") struct AccessCutoffTests {
        @Test("share-link viewers get share.expired and close 4410 at the expiry instant (both viewer URLs)")
        func shareExpiry() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-share", owner: alice)
            let owner = try harness.connect(alice)
            try owner.ok("turn.post", ["session": "s-share", "content": "visible to viewers"])
            let expiresAt = wallMilliseconds() + 1500
            let created = try owner.ok("share.create", ["session": "s-share", "expires_at": .integer(expiresAt)])
            let secret = try created.string("secret")
            let shareID = try created["share"]?.string("id") ?? ""
            #expect(try created.string("url") == "/s/\(secret)")
            #expect(created["share"]?["expires"] == .integer(expiresAt))
            // The monotonic instant matching the expiry, to measure the close against.
            let expiryMonotonic = monotonicSeconds() + Double(expiresAt - wallMilliseconds()) / 1000

            let viewers = [try harness.connect(.sharePath(secret), label: "viewer /s/"),
                           try harness.connect(.shareQuery(secret), label: "viewer ?share=")]
            for viewer in viewers {
                let pong = try viewer.ok("ping")
                #expect(pong["time"] != nil && pong["user"] == nil, "a viewer acts as no user")
                let joined = try viewer.ok("session.join", ["session": "s-share", "last": 5])
                #expect(joined["role"] == "read")
                #expect(try joined.array("turns").count == 1)
            }
            try Parallel.run(viewers.count) { i in
                guard viewers[i].waitForClose(timeout: 4) != nil else { throw TestFailure("\(viewers[i].label) was not closed") }
            }
            for viewer in viewers {
                let closed = try #require(viewer.closed)
                #expect(closed.code == 4410, "\(viewer.label): \(closed)")
                let late = closed.at - expiryMonotonic
                #expect(late > -0.02 && late < 0.3, "\(viewer.label) closed \(Int(late * 1000)) ms after the expiry")
                let expired = viewer.nextEvent(named: "share.expired", timeout: 0)
                #expect(expired?["share"] == .string(shareID) && expired?["expired"] == .integer(expiresAt)
                        && expired?["session"] == "s-share", "share.expired precedes the close: \(String(describing: expired))")
            }
            #expect(TandemTestClient.handshakeStatus(port: harness.port, .sharePath(secret)) == 401)
            #expect(try owner.ok("ping")["time"] != nil, "members are not affected")
            #expect(try owner.ok("ping")["user"] == "alice", "ping names the caller")
        }

        @Test("share.create answers the viewer path, or the whole link when public-url is set")
        func shareLinkURL() throws {
            for (publicURL, prefix) in [(nil, "/s/"), ("https://tandem.example.com/", "https://tandem.example.com/s/")] as [(String?, String)] {
                let harness = try TestServer { $0.publicURL = publicURL }
                defer { harness.stop() }
                let alice = try harness.user("alice")
                try harness.session("s-url", owner: alice)
                let created = try harness.connect(alice).ok("share.create", ["session": "s-url", "expires_in": 60])
                #expect(try created.string("url") == prefix + (try created.string("secret")))
            }
        }

        @Test("a share link lives at most 365 days however its expiry is given; a stranger's revoke names no session")
        func shareLifetimeAndStrangers() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob")
            try harness.session("s-life", owner: alice)
            let owner = try harness.connect(alice)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let day: Int64 = 86_400_000
            #expect(try owner.errorCode("share.create", ["session": "s-life", "expires_at": .integer(now + 366 * day)]) == "invalid_argument")
            #expect(try owner.errorCode("share.create", ["session": "s-life", "expires_at": .integer(1 << 62)]) == "invalid_argument")
            #expect(try owner.errorCode("share.create", ["session": "s-life", "expires_in": .integer(366 * 86_400)]) == "invalid_argument")
            let created = try owner.ok("share.create", ["session": "s-life", "expires_at": .integer(now + 364 * day)])
            let id = try created["share"]?.string("id") ?? ""
            let stranger = try harness.connect(bob)
            let refused = try stranger.send("share.revoke", ["share": .string(id)])
            let answer = try stranger.response(to: refused)
            #expect(answer["error"]?["code"] == "not_found")
            #expect(answer["error"]?["message"]?.stringValue?.contains("s-life") == false, "\(answer)")
        }

        @Test("share.revoke closes the link's viewers with 4403 within 1 s")
        func shareRevocation() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-share", owner: alice)
            let owner = try harness.connect(alice)
            let created = try owner.ok("share.create", ["session": "s-share", "expires_in": 3600])
            let viewer = try harness.connect(.sharePath(try created.string("secret")), label: "viewer")
            try viewer.ok("session.join", ["session": "s-share"])
            let revokedAt = monotonicSeconds()
            let revoked = try owner.ok("share.revoke", ["share": .string(try created["share"]?.string("id") ?? "")])
            #expect(revoked["share"]?["revoked"] == true)
            let closed = try #require(viewer.waitForClose(timeout: 3))
            #expect(closed.code == 4403)
            #expect(closed.at - revokedAt < 1.0, "closed \(Int((closed.at - revokedAt) * 1000)) ms after the revocation")
        }

        @Test("a token revoked in the database by another process closes its connections with 4401 within 1 s")
        func tokenRevocation() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log)
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let bobOtherToken = try harness.store.createToken(userID: "bob", label: "laptop")
            try harness.session("s-tok", owner: alice, members: [(bob, .write)])
            let revokedConnections = [try harness.connect(bob, label: "bob-1"), try harness.connect(bob, viaQuery: true, label: "bob-2")]
            let survivor = try harness.connect(.bearer(bobOtherToken.secret), label: "bob-other-token")
            for client in revokedConnections + [survivor] { try client.ok("session.join", ["session": "s-tok"]) }

            let admin = try harness.externalStore()
            defer { admin.close() }
            let revokedAt = monotonicSeconds()
            try admin.revokeToken(id: bob.tokenID)
            try Parallel.run(revokedConnections.count) { i in
                guard revokedConnections[i].waitForClose(timeout: 3) != nil else {
                    throw TestFailure("\(revokedConnections[i].label) stayed open")
                }
            }
            for client in revokedConnections {
                let closed = try #require(client.closed)
                #expect(closed.code == 4401, "\(client.label): \(closed)")
                #expect(closed.at - revokedAt < 1.0, "\(client.label) closed \(Int((closed.at - revokedAt) * 1000)) ms after the revocation")
            }
            #expect(TandemTestClient.handshakeStatus(port: harness.port, .bearer(bob.token)) == 401)
            // The same user's other token keeps working.
            #expect(try survivor.ok("turn.post", ["session": "s-tok", "content": "still here"])["turn"]?["author"] == "bob")
            // The log names which of bob's tokens was cut off (its id, never the secret), once per connection.
            let cut = log.all.filter { $0.message == "closing connection of revoked token" }
            #expect(cut.count == 2 && cut.allSatisfy { $0.metadata["user"] == "bob" && $0.metadata["token"] == bob.tokenID }, "\(cut.map(\.metadata))")
            #expect(!log.all.contains { $0.metadata.values.contains { $0.contains(bob.token) } })
        }

        @Test("role changes and removals written by another process apply to the next request within 1 s")
        func roleChangeTakesEffect() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let carol = try harness.user("carol")
            try harness.session("s-role", owner: alice, members: [(carol, .write)])
            let client = try harness.connect(carol)
            let owner = try harness.connect(alice)
            try client.ok("session.join", ["session": "s-role"])
            #expect(try client.errorCode("turn.post", ["session": "s-role", "content": "as writer"]) == nil)
            let admin = try harness.externalStore()
            defer { admin.close() }

            /// Posts every 20 ms until the answer is `want`; returns the seconds it took.
            func secondsUntil(_ want: String?, _ op: String = "turn.post") throws -> Double? {
                let start = monotonicSeconds()
                while monotonicSeconds() - start < 2 {
                    if try client.errorCode(op, ["session": "s-role", "content": "probe"]) == want { return monotonicSeconds() - start }
                    Thread.sleep(forTimeInterval: 0.02)
                }
                return nil
            }
            _ = try admin.setMember(session: "s-role", actor: "alice", user: "carol", role: .read)
            let demoted = try #require(try secondsUntil("forbidden"), "demotion to read never took effect")
            #expect(demoted < 1.0)
            _ = try admin.setMember(session: "s-role", actor: "alice", user: "carol", role: .write)
            let promoted = try #require(try secondsUntil(nil), "promotion back to write never took effect")
            #expect(promoted < 1.0)
            // The live connection saw both changes as `member` events.
            var roles: [String] = []
            while let event = client.nextEvent(timeout: 0.5), roles.count < 2 {
                if event.eventName == "member", event["user"] == "carol" { roles.append(event["role"]?.stringValue ?? "?") }
            }
            #expect(roles == ["read", "write"])

            _ = try admin.removeMember(session: "s-role", actor: "alice", user: "carol")
            // A former member is told so (protocol.md, Conventions: Visibility), not not_found.
            let removed = try #require(try secondsUntil("forbidden"), "removal never took effect")
            #expect(removed < 1.0)
            // The removed member is told, as by member.remove (how the view and tail know to end).
            var told: JSONValue?
            while told == nil, let event = client.nextEvent(named: "member", timeout: 1) {
                if event["user"] == "carol", event["removed"] == true { told = event }
            }
            #expect(told?["by"] == "alice", "the removed member saw no member event: \(String(describing: told))")
            // Removed members stop receiving the session's events.
            _ = client.takeBufferedEvents()
            Thread.sleep(forTimeInterval: 0.3)
            _ = client.takeBufferedEvents()
            try owner.ok("turn.post", ["session": "s-role", "content": "members only"])
            let leaked = client.nextEvent(named: "turn", timeout: 0.5)
            #expect(leaked == nil, "a removed member still receives turns: \(String(describing: leaked))")
        }

        @Test("a member removed with member.remove is unsubscribed when the answer comes: later turns never reach them")
        func removalUnsubscribesAtOnce() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-out", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            let removed = try harness.connect(bob)
            try removed.ok("session.join", ["session": "s-out"])
            try owner.ok("member.remove", ["session": "s-out", "user": "bob"])
            try owner.ok("turn.post", ["session": "s-out", "content": "members only"])
            var sawRemoval = false
            while let event = removed.nextEvent(timeout: 0.6) {
                if event["event"] == "member", event["removed"] == true { sawRemoval = true }
                #expect(event["event"] != "turn", "a turn posted after the removal reached the removed member: \(event)")
            }
            #expect(sawRemoval, "the removed member is told")
        }
    }
}
