import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// The operator path used by tandem-admin: no member checks, every access change audited (the
/// server's access watcher polls the audit log) and member changes in the change log.
@Suite struct AdminStoreTests {
    @Test func grantOnASessionTheOperatorIsNotAMemberOfIsAuditedAndLogged() throws {
        try withStore { store in
            try makeSession(store)
            let before = try store.auditHighWater()
            let head = try store.session(id: "s1").lastEventSeq
            let seq = try #require(try store.adminSetMember(session: "s1", user: "erin", role: .admin))
            #expect(seq == head + 1)
            #expect(try store.role(session: "s1", user: "erin") == .admin)
            #expect(try store.auditHighWater() > before)
            let entry = try #require(try store.auditLog(session: "s1").first)
            #expect(entry.action == "member.add" && entry.actor == "admin" && entry.target == "erin")
            let change = try store.changeFeed(session: "s1", since: head).events
            #expect(change.map(\.kind) == [.member])
            #expect(change.first?.data?["user"]?.stringValue == "erin" && change.first?.data?["role"]?.stringValue == "admin")
            // The same role again writes nothing.
            #expect(try store.adminSetMember(session: "s1", user: "erin", role: .admin) == nil)
            #expect(try store.session(id: "s1").lastEventSeq == seq)
            // A role change is audited as such.
            try store.adminSetMember(session: "s1", user: "erin", role: .read)
            #expect(try store.auditLog(session: "s1").first?.action == "member.role")
        }
    }

    @Test func grantAndRemoveRefuseUnknownsAndKeepTheLastOwner() throws {
        try withStore { store in
            try makeSession(store)
            #expect(errorCode { try store.adminSetMember(session: "nope", user: "bob", role: .read) } == "not_found")
            #expect(errorCode { try store.adminSetMember(session: "s1", user: "zed", role: .read) } == "not_found")
            #expect(errorCode { try store.adminSetMember(session: "s1", user: "alice", role: .admin) } == "invalid_state")
            #expect(errorCode { try store.adminRemoveMember(session: "s1", user: "alice") } == "invalid_state")
            #expect(errorCode { try store.adminRemoveMember(session: "s1", user: "erin") } == "not_found")
            let head = try store.session(id: "s1").lastEventSeq
            try store.adminRemoveMember(session: "s1", user: "bob")
            #expect(try store.role(session: "s1", user: "bob") == nil)
            #expect(try store.auditLog(session: "s1").first?.action == "member.remove")
            #expect(try store.changeFeed(session: "s1", since: head).events.first?.data?["role"] == .null)
            #expect(try store.adminMemberPage(session: "s1").members.map(\.userID) == ["alice", "carol", "dave"])
        }
    }

    @Test func usersAreListedAndRemovedWithTokensAndMemberships() throws {
        try withStore { store in
            try makeSession(store)
            #expect(try store.adminUsers().map(\.id) == ["alice", "bob", "carol", "dave", "erin"])
            let token = try store.createToken(userID: "bob", label: "laptop")
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .admin)
            _ = try store.saveTemplate(session: "s1", actor: "bob", name: "bob's")
            let head = try store.session(id: "s1").lastEventSeq
            try store.adminRemoveUser(id: "bob")
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM templates") } == 0,
                    "a removed user's templates go with them")
            // The id is not handed to someone else: the turns of s1 still name bob.
            #expect(errorCode { _ = try store.createUser(id: "bob", displayName: "Another Bob") } == "already_exists")
            #expect(try store.adminUsers().map(\.id) == ["alice", "carol", "dave", "erin"])
            #expect(try store.lookupToken(secret: token.secret) == nil)
            #expect(try store.tokenStates(among: [token.token.id]) == [token.token.id: .ended(.accountRemoved)])
            #expect(try store.role(session: "s1", user: "bob") == nil)
            #expect(try store.changeFeed(session: "s1", since: head).events.map(\.kind) == [.member])
            #expect(try store.auditLog().first?.action == "user.remove")
            // An owner of a session cannot be removed until the session is gone.
            #expect(errorCode { try store.adminRemoveUser(id: "alice") } == "invalid_state")
            #expect(errorCode { try store.adminRemoveUser(id: "zed") } == "not_found")
            try store.adminDeleteSession(id: "s1")
            try store.adminRemoveUser(id: "alice")
        }
    }

    @Test func tokensOfEveryoneAndOperatorRevocation() throws {
        try withStore { store in
            let a = try store.createToken(userID: "alice", label: "a")
            let b = try store.createToken(userID: "bob", label: "b")
            #expect(Set(try store.adminTokens().map(\.id)) == [a.token.id, b.token.id])
            try store.adminRevokeToken(id: b.token.id)
            try store.adminRevokeToken(id: b.token.id) // idempotent
            #expect(try store.lookupToken(secret: b.secret)?.revoked == true)
            #expect(try store.lookupToken(secret: a.secret)?.revoked == false)
            #expect(try store.tokenStates(among: [a.token.id, b.token.id]) == [a.token.id: .live(expiresAt: nil), b.token.id: .ended(.revoked)])
            let entry = try #require(try store.auditLog().first)
            #expect(entry.action == "token.revoke" && entry.actor == "admin" && entry.detail["user"]?.stringValue == "bob")
            #expect(errorCode { try store.adminRevokeToken(id: "nope") } == "not_found")
        }
    }

    @Test func shareLinksAcrossSessions() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "s1")
            try makeSession(store, id: "s2")
            let one = try store.adminCreateShareLink(session: "s1", expiresAt: clock.now + 60_000)
            let two = try store.adminCreateShareLink(session: "s2", expiresAt: nil)
            #expect(one.link.createdBy == "admin")
            #expect(try store.resolveShareLink(secret: one.secret).sessionID == "s1")
            #expect(Set(try store.adminShareLinks().map(\.id)) == [one.link.id, two.link.id])
            #expect(try store.adminShareLinks(session: "s2").map(\.id) == [two.link.id])
            #expect(errorCode { _ = try store.adminShareLinks(session: "nope") } == "not_found")
            #expect(errorCode { _ = try store.adminCreateShareLink(session: "nope", expiresAt: nil) } == "not_found")
            #expect(errorCode { _ = try store.adminCreateShareLink(session: "s1", expiresAt: clock.now) } == "invalid_argument")
            try store.adminRevokeShareLink(id: two.link.id)
            #expect(try store.auditLog(session: "s2").first?.action == "share.revoke")
            #expect(errorCode { _ = try store.resolveShareLink(secret: two.secret) } == "forbidden")
            #expect(errorCode { try store.adminRevokeShareLink(id: "nope") } == "not_found")
        }
    }

    @Test func archiveDeleteExportAndContributionsWithoutMembership() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "hello", tokensIn: 3))
            let doc = try store.adminExportSession(id: "s1")
            #expect(doc == (try store.exportSession(id: "s1", actor: "alice")))
            #expect(try store.adminContributionPage(session: "s1").contributions.first { $0.userID == "bob" }?.counts.turns == 1)
            let archived = try store.adminArchiveSession(id: "s1")
            #expect(archived.status == .archived && archived.archivedAt != nil)
            #expect(try store.changeFeed(session: "s1", since: 0).events.last?.kind == .status)
            #expect(errorCode { _ = try store.adminArchiveSession(id: "s1") } == "invalid_state")
            try store.adminDeleteSession(id: "s1")
            #expect(errorCode { _ = try store.session(id: "s1") } == "not_found")
            #expect(try store.auditLog().map(\.action).prefix(2) == ["session.delete", "session.archive"])
            for call in [{ _ = try store.adminExportSession(id: "s1") }, { try store.adminDeleteSession(id: "s1") },
                         { _ = try store.adminContributionPage(session: "s1") }, { _ = try store.adminMemberPage(session: "s1") }] {
                #expect(errorCode(call) == "not_found")
            }
        }
    }
}
