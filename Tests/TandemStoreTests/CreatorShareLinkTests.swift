import Testing
@testable import TandemStore

/// A share link stops working once its creator may no longer create one (permissions.md,
/// "Share links"): removed from the session, demoted below admin, or their account removed.
@Suite struct CreatorShareLinkTests {
    @Test func removalDemotionAndAccountRemovalRevokeTheCreatorsLinks() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .admin)
            try store.setMember(session: "s2", actor: "alice", user: "bob", role: .admin)
            try store.setMember(session: "s1", actor: "alice", user: "carol", role: .admin)
            let year: Int64 = 365 * 86_400_000
            let bobs = try store.createShareLink(session: "s1", actor: "bob", expiresAt: clock.now + year)
            let carols = try store.createShareLink(session: "s1", actor: "carol", expiresAt: nil)
            let alices = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            let bobsOther = try store.createShareLink(session: "s2", actor: "bob", expiresAt: nil)
            let operators = try store.adminCreateShareLink(session: "s1", expiresAt: nil)

            // Leaving one session takes bob's links there, not elsewhere nor anyone else's.
            try store.removeMember(session: "s1", actor: "alice", user: "bob")
            #expect(errorCode { _ = try store.resolveShareLink(secret: bobs.secret) } == "forbidden")
            #expect(try store.resolveShareLink(secret: bobsOther.secret).id == bobsOther.link.id)
            #expect(try store.resolveShareLink(secret: carols.secret).id == carols.link.id)
            let revoke = try #require(try store.auditLog(session: "s1").first { $0.action == "share.revoke" })
            #expect(revoke.target == bobs.link.id && revoke.actor == "alice")
            #expect(revoke.detail["reason"] == "creator removed from the session")

            // Demotion below admin takes them too; a demotion to admin (still may create) does not.
            try store.setMember(session: "s1", actor: "alice", user: "carol", role: .write)
            #expect(errorCode { _ = try store.resolveShareLink(secret: carols.secret) } == "forbidden")
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .owner)
            try store.setMember(session: "s1", actor: "erin", user: "alice", role: .admin)
            #expect(try store.resolveShareLink(secret: alices.secret).id == alices.link.id)

            // Removing bob's account takes what he made in every session; the operator's link stays.
            try store.adminRemoveUser(id: "bob")
            #expect(errorCode { _ = try store.resolveShareLink(secret: bobsOther.secret) } == "forbidden")
            #expect(try store.resolveShareLink(secret: operators.secret).id == operators.link.id)
            #expect(try store.shareLinks(session: "s2", actor: "alice").map { $0.revokedAt != nil } == [true])
            #expect(try store.auditLog(session: "s2").first?.detail["reason"] == "creator's account removed")
        }
    }

    @Test func revokingTwiceRecordsNothingMore() throws {
        try withStore { store in
            try makeSession(store)
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .admin)
            let link = try store.createShareLink(session: "s1", actor: "bob", expiresAt: nil)
            try store.revokeShareLink(session: "s1", actor: "alice", linkID: link.link.id)
            try store.removeMember(session: "s1", actor: "alice", user: "bob")
            #expect(try store.auditLog(session: "s1").filter { $0.action == "share.revoke" }.count == 1)
        }
    }
}
