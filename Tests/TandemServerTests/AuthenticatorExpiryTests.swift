import Foundation
import Synchronization
import Testing
import TandemStore
import TandemTransport
@testable import TandemServer

/// A token's expiry and its user's suspension, at the handshake: decided from the cached identity
/// (no database read per handshake), and not charged to the address's guessing budget.
@Suite struct AuthenticatorExpiryTests {
    private func request(token: String) throws -> HTTPRequest {
        var parser = HTTPRequestParser()
        let head = "GET /ws HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n"
        return try #require(try parser.feed(Array(head.utf8)))
    }

    @Test func aCachedTokenIsRefusedAtItsExpiryWithoutAReadAndWithoutSpendingTheBudget() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-authexpiry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(StoreConfiguration(path: directory.appendingPathComponent("t.db").path))
        _ = try store.createUser(id: "bob", displayName: "Bob")
        let issued = try store.createToken(userID: "bob", label: "ci", lifetime: 300)
        let expiresAt = try #require(issued.token.expiresAt)
        let reads = Atomic(0)
        // A budget of 2 failures a minute: the third unknown token from one address is throttled.
        let authenticator = Authenticator(store: store, failuresPerMinute: 2, afterLookup: { reads.add(1, ordering: .relaxed) })
        let address = "10.0.0.7"
        guard case .member(_, _, let at) = authenticator.authenticate(try request(token: issued.secret), address: address, now: 0) else {
            Issue.record("a live token was refused")
            return
        }
        #expect(at == expiresAt && reads.load(ordering: .relaxed) == 1)
        #expect(!authenticator.mayRead(try request(token: issued.secret)), "cached: decided on the event loop")
        while Int64(Date().timeIntervalSince1970 * 1000) < expiresAt { Thread.sleep(forTimeInterval: 0.02) }
        for attempt in 1...5 {
            guard case .ended(let reason) = authenticator.authenticate(try request(token: issued.secret), address: address, now: Double(attempt))
            else {
                Issue.record("attempt \(attempt): an expired token was not refused as ended")
                return
            }
            #expect(reason == "expired token")
        }
        #expect(reads.load(ordering: .relaxed) == 1, "the expiry was decided from the cached identity")
        // The budget is whole: two guesses are refused, the third throttled.
        for attempt in 6...7 {
            guard case .refused(401, _) = authenticator.authenticate(try request(token: "tdm_guess\(attempt)"), address: address, now: Double(attempt))
            else { Issue.record("guess \(attempt) was not refused"); return }
        }
        guard case .throttled = authenticator.authenticate(try request(token: "tdm_guess8"), address: address, now: 8) else {
            Issue.record("the budget was not spent by guesses")
            return
        }
    }

    @Test func aDisabledUsersTokenIsRefusedOnceAccessChangedAndLetInAgainWhenEnabled() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-authdisabled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(StoreConfiguration(path: directory.appendingPathComponent("t.db").path))
        _ = try store.createUser(id: "bob", displayName: "Bob")
        let issued = try store.createToken(userID: "bob", label: "laptop")
        let authenticator = Authenticator(store: store, failuresPerMinute: 10)
        guard case .member = authenticator.authenticate(try request(token: issued.secret), address: "10.0.0.8", now: 0) else {
            Issue.record("a live token was refused")
            return
        }
        try store.adminSetUserDisabled(id: "bob", disabled: true)
        authenticator.invalidate() // what the access watcher does when the audit log moved
        guard case .ended(let reason) = authenticator.authenticate(try request(token: issued.secret), address: "10.0.0.8", now: 1) else {
            Issue.record("a disabled user's token was let in")
            return
        }
        #expect(reason == "disabled user")
        try store.adminSetUserDisabled(id: "bob", disabled: false)
        authenticator.invalidate()
        guard case .member = authenticator.authenticate(try request(token: issued.secret), address: "10.0.0.8", now: 2) else {
            Issue.record("an enabled user's token was refused")
            return
        }
    }
}
