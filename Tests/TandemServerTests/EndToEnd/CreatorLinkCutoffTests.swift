import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A share link follows its creator (permissions.md, "Share links"): when they leave the
    /// session, fall below admin, or lose their account, the link's live viewers are cut as for
    /// a revocation (4403) within a second.
    @Suite("Share links follow their creator") struct CreatorLinkCutoffTests {
        @Test("member.remove of a link's creator closes its viewers with 4403 within 1 s")
        func creatorRemovedOverTheWire() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob")
            try harness.session("s-creator", owner: alice, members: [(bob, .admin)])
            let owner = try harness.connect(alice)
            let created = try harness.connect(bob).ok("share.create", ["session": "s-creator", "expires_in": 31_536_000])
            let secret = try created.string("secret")
            let viewer = try harness.connect(.sharePath(secret), label: "viewer")
            try viewer.ok("session.join", ["session": "s-creator"])
            let removedAt = monotonicSeconds()
            try owner.ok("member.remove", ["session": "s-creator", "user": "bob"])
            let closed = try #require(viewer.waitForClose(timeout: 3))
            #expect(closed.code == 4403)
            #expect(closed.at - removedAt < 1.0, "closed \(Int((closed.at - removedAt) * 1000)) ms after the removal")
            #expect(TandemTestClient.handshakeStatus(port: harness.port, .sharePath(secret)) != 101)
            // No longer a working link; listed as revoked when asked for every link.
            #expect(try owner.ok("share.list", ["session": "s-creator"]).array("shares").isEmpty)
            let listed = try owner.ok("share.list", ["session": "s-creator", "include_revoked": true])
            #expect(try listed.array("shares").first?["revoked"] == true, "\(listed)")
        }

        @Test("a demotion below admin over the wire, and an account removed by tandem-admin, close the creator's viewers")
        func creatorDemotedOrAccountRemoved() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob"), carol = try harness.user("carol")
            try harness.session("s-demote", owner: alice, members: [(bob, .admin), (carol, .admin)])
            let owner = try harness.connect(alice)
            let bobs = try harness.connect(bob).ok("share.create", ["session": "s-demote", "expires_in": 3600])
            let carols = try harness.connect(carol).ok("share.create", ["session": "s-demote", "expires_in": 3600])
            let bobsViewer = try harness.connect(.sharePath(try bobs.string("secret")), label: "bob's viewer")
            let carolsViewer = try harness.connect(.sharePath(try carols.string("secret")), label: "carol's viewer")
            for viewer in [bobsViewer, carolsViewer] { try viewer.ok("session.join", ["session": "s-demote"]) }

            var changedAt = monotonicSeconds()
            try owner.ok("member.set_role", ["session": "s-demote", "user": "bob", "role": "write"])
            var closed = try #require(bobsViewer.waitForClose(timeout: 3))
            #expect(closed.code == 4403)
            #expect(closed.at - changedAt < 1.0, "closed \(Int((closed.at - changedAt) * 1000)) ms after the demotion")
            #expect(try carolsViewer.ok("ping")["time"] != nil, "another admin's link is untouched")

            let admin = try harness.externalStore()
            defer { admin.close() }
            changedAt = monotonicSeconds()
            try admin.adminRemoveUser(id: "carol")
            closed = try #require(carolsViewer.waitForClose(timeout: 3))
            #expect(closed.code == 4403)
            #expect(closed.at - changedAt < 1.0, "closed \(Int((closed.at - changedAt) * 1000)) ms after the account removal")
        }
    }
}
