import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Access that ends without a removal: token expiry, a user's suspension, a token's rotation.
@Suite struct AccessEndsTests {
    /// One decision for a handshake (`TokenIdentity.end`) and for live connections (`tokenStates`):
    /// the most lasting reason is told, whatever else also holds.
    @Test func aTokensEndIsRevokedBeforeDisabledBeforeExpired() {
        let now: Int64 = 10_000
        for revoked in [false, true] {
            for disabled in [false, true] {
                for expiresAt in [nil, now - 1, now, now + 1] as [Int64?] {
                    let expected: TokenEnd? = revoked ? .revoked : disabled ? .disabled
                        : (expiresAt.map { $0 <= now } ?? false) ? .expired : nil
                    #expect(TokenEnd.of(revoked: revoked, disabled: disabled, expiresAt: expiresAt, now: now) == expected,
                            "revoked \(revoked), disabled \(disabled), expires \(String(describing: expiresAt))")
                }
            }
        }
        #expect(TokenEnd.of(revoked: true, disabled: true, expiresAt: 0, now: now) == .revoked)
        #expect(TokenEnd.of(revoked: false, disabled: true, expiresAt: 0, now: now) == .disabled)
        #expect(TokenEnd.of(revoked: false, disabled: false, expiresAt: now, now: now) == .expired) // at the instant
        #expect(TokenEnd.of(revoked: false, disabled: false, expiresAt: now + 1, now: now) == nil)
        let user = User(id: "bob", displayName: "Bob", createdAt: 0, disabledAt: 5)
        #expect(TokenIdentity(tokenID: "t", user: user, revoked: false, expiresAt: 0).end(now: now) == .disabled)
    }

    @Test func anExpiringTokenAuthenticatesUntilItsExpiryThenNot() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let issued = try store.createToken(userID: "bob", label: "ci", lifetime: 2_000)
            let forever = try store.createToken(userID: "bob", label: "laptop")
            #expect(issued.token.expiresAt == clock.now + 2_000 && forever.token.expiresAt == nil)
            let identity = try #require(try store.lookupToken(secret: issued.secret))
            #expect(identity.expiresAt == clock.now + 2_000 && identity.end(now: clock.now) == nil)
            #expect(try store.authenticate(tokenSecret: issued.secret).id == "bob")
            #expect(try store.tokenStates(among: [issued.token.id]) == [issued.token.id: .live(expiresAt: clock.now + 2_000)])
            clock.advance(2_000)
            #expect(identity.end(now: clock.now) == .expired)
            #expect(errorCode { _ = try store.authenticate(tokenSecret: issued.secret) } == "unauthorized")
            #expect(try store.tokenStates(among: [issued.token.id, forever.token.id])
                    == [issued.token.id: .ended(.expired), forever.token.id: .live(expiresAt: nil)])
            let states = Dictionary(uniqueKeysWithValues: try store.tokens(userID: "bob").map { ($0.label, $0.state(now: clock.now)) })
            #expect(states == ["ci": "expired", "laptop": "active"])
            #expect(try store.adminUserPage().users.first { $0.user.id == "bob" }?.activeTokens == 1)
            #expect(try store.auditLog().first { $0.target == issued.token.id }?.detail["expires_at"]?.intValue == issued.token.expiresAt)
            #expect(errorCode { _ = try store.createToken(userID: "bob", label: "x", lifetime: 0) } == "invalid_argument")
        }
    }

    @Test func aDisabledUserKeepsEverythingButAuthenticatesNothingUntilEnabled() throws {
        try withStore { store in
            try makeSession(store)
            let token = try store.createToken(userID: "bob", label: "laptop")
            _ = try store.adminCreateShareLink(session: "s1", expiresAt: store.now + 60_000, actor: "bob")
            let before = try tableCounts(store)
            let high = try store.auditHighWater()
            #expect(try store.adminSetUserDisabled(id: "bob", disabled: true))
            #expect(try store.auditHighWater() > high) // what reaches a running server's watcher
            #expect(try store.auditLog().first?.action == "user.disable")
            #expect(try store.adminSetUserDisabled(id: "bob", disabled: true) == false) // nothing written again
            #expect(try store.user(id: "bob").disabledAt != nil)
            #expect(try store.lookupToken(secret: token.secret)?.end(now: store.now) == .disabled)
            #expect(errorCode { _ = try store.authenticate(tokenSecret: token.secret) } == "unauthorized")
            #expect(try store.tokenStates(among: [token.token.id]) == [token.token.id: .ended(.disabled)])
            // Memberships, tokens, share links: all kept (two audit rows more, nothing else).
            var after = try tableCounts(store)
            after["audit_log"]! -= 1
            #expect(after == before)
            #expect(try store.role(session: "s1", user: "bob") == .write)
            #expect(try store.adminSuspensionNotes(id: "bob") == ([], 1))
            #expect(try store.adminSuspensionNotes(id: "alice").ownedSessions == ["s1"])
            #expect(try store.adminSetUserDisabled(id: "bob", disabled: false))
            #expect(try store.auditLog().first?.action == "user.enable")
            #expect(try store.adminSetUserDisabled(id: "bob", disabled: false) == false)
            #expect(try store.authenticate(tokenSecret: token.secret).id == "bob")
            #expect(try store.lookupToken(secret: token.secret)?.end(now: store.now) == nil)
            #expect(errorCode { try store.adminSetUserDisabled(id: "zed", disabled: true) } == "not_found")
        }
    }

    @Test func rotationIssuesASecretForTheSameUserAndLabelAndEndsTheOldOneAfterTheGrace() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let old = try store.createToken(userID: "bob", label: "ci", lifetime: 90_000)
            clock.advance(10_000)
            let new = try store.adminRotateToken(id: old.token.id, grace: 5_000)
            #expect(new.token.userID == "bob" && new.token.label == "ci" && new.token.id != old.token.id)
            #expect(new.token.expiresAt == clock.now + 90_000) // the same lifetime, from now
            #expect(try store.authenticate(tokenSecret: new.secret).id == "bob")
            #expect(try store.authenticate(tokenSecret: old.secret).id == "bob") // within the grace
            #expect(try store.tokenStates(among: [old.token.id]) == [old.token.id: .live(expiresAt: clock.now + 5_000)])
            let entry = try #require(try store.auditLog().first)
            #expect(entry.action == "token.rotate" && entry.target == new.token.id && entry.detail["replaces"]?.stringValue == old.token.id)
            clock.advance(5_000)
            #expect(errorCode { _ = try store.authenticate(tokenSecret: old.secret) } == "unauthorized")
            #expect(try store.authenticate(tokenSecret: new.secret).id == "bob")
            // An ended token is not rotated (issue a new one); no grace: the old one is revoked at once.
            #expect(errorCode { _ = try store.adminRotateToken(id: old.token.id) } == "invalid_state")
            let third = try store.adminRotateToken(id: new.token.id)
            #expect(try store.tokenStates(among: [new.token.id, third.token.id])
                    == [new.token.id: .ended(.revoked), third.token.id: .live(expiresAt: third.token.expiresAt)])
            #expect(errorCode { _ = try store.adminRotateToken(id: new.token.id) } == "invalid_state")
            #expect(errorCode { _ = try store.adminRotateToken(id: "nope") } == "not_found")
            // A grace past the old expiry does not lengthen it.
            let short = try store.createToken(userID: "bob", label: "short", lifetime: 1_000)
            _ = try store.adminRotateToken(id: short.token.id, grace: 60_000)
            #expect(try store.tokenStates(among: [short.token.id]) == [short.token.id: .live(expiresAt: short.token.expiresAt)])
        }
    }

    /// A rotation gives the lifetime the token was issued with, also when it was issued while time
    /// stamps were held behind the clock (its `created_at` then ahead of the clock it counted from),
    /// and none to a token issued without one, whose `expires_at` a rotation's grace moved.
    @Test func rotationGivesTheLifetimeIssuedWhateverTheStampsDid() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let start = clock.now
            _ = try store.createToken(userID: "bob", label: "stamp") // stamps reach `start`
            clock.set(start - 30_000) // the clock steps back; stamps stay at `start`
            let held = try store.createToken(userID: "bob", label: "ci", lifetime: 90_000)
            #expect(held.token.createdAt >= start && held.token.expiresAt == clock.now + 90_000)
            let rotated = try store.adminRotateToken(id: held.token.id)
            #expect(rotated.token.expiresAt == clock.now + 90_000) // was 60,000: the lag taken off
            let laptop = try store.createToken(userID: "bob", label: "laptop")
            _ = try store.adminRotateToken(id: laptop.token.id, grace: 5_000) // moves its expires_at
            #expect(try store.adminRotateToken(id: laptop.token.id).token.expiresAt == nil)
            // A row written before migration 29 gives its lifetime back from its times.
            let old = try store.createToken(userID: "bob", label: "old", lifetime: 50_000)
            try store.write { ctx throws(StoreError) in
                try ctx.db.run("UPDATE api_tokens SET lifetime_ms = NULL WHERE id = ?", [.text(old.token.id)])
            }
            let lag = old.token.createdAt - clock.now
            #expect(try store.adminRotateToken(id: old.token.id).token.expiresAt == clock.now + 50_000 - lag)
        }
    }
}
