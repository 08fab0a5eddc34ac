import Foundation
import Synchronization
import Testing
import TandemStore
import TandemTransport
@testable import TandemServer

/// The token cache must never outlive a revocation: a lookup that read the token just before it
/// was revoked, and cached it just after the access watcher emptied the cache, kept the revoked
/// token working for every later handshake until access changed again somewhere.
@Suite struct AuthenticatorCacheTests {
    private final class Late: Sendable {
        let authenticator = Mutex<Authenticator?>(nil)
        let armed = Mutex(false)
    }

    private func request(token: String) throws -> HTTPRequest {
        var parser = HTTPRequestParser()
        let head = "GET /ws HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n"
        return try #require(try parser.feed(Array(head.utf8)))
    }

    @Test func aLookupOverlappingARevocationIsNotCached() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-authcache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(StoreConfiguration(path: directory.appendingPathComponent("t.db").path))
        _ = try store.createUser(id: "bob", displayName: "Bob")
        let issued = try store.createToken(userID: "bob", label: "laptop")
        let late = Late()
        // Between the lookup and the caching: the token is revoked and the watcher empties the cache.
        let authenticator = Authenticator(store: store, failuresPerMinute: 1000, afterLookup: { @Sendable () -> Void in
            guard late.armed.withLock({ armed in defer { armed = false }; return armed }) else { return }
            try? store.revokeToken(id: issued.token.id)
            late.authenticator.withLock { $0?.invalidate() }
        })
        late.authenticator.withLock { $0 = authenticator }
        late.armed.withLock { $0 = true }
        let before = authenticator.generation
        guard case .member = authenticator.authenticate(try request(token: issued.secret), address: "10.0.0.1", now: 0) else {
            Issue.record("the lookup ran before the revocation: it answers what it read")
            return
        }
        #expect(authenticator.generation != before, "the handshake can tell access changed while it authenticated")
        guard case .refused(401, let reason) = authenticator.authenticate(try request(token: issued.secret), address: "10.0.0.1", now: 1) else {
            Issue.record("a revoked token was taken from the cache")
            return
        }
        #expect(reason == "revoked token")
    }
}
