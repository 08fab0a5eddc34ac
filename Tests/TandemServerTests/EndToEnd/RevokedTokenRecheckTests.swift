import Synchronization
import TandemJSON
import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// protocol.md: a revoked token takes effect on open connections within one second. A handshake
    /// that authenticated from the token cache and registered just after the access watcher read
    /// the registry for its recheck, but before it emptied the cache, was in neither: the recheck
    /// did not see it, and it had not seen the cache's generation move, so it was not named for the
    /// next tick either; the revoked token's connection stayed open until access changed again
    /// somewhere (the model check's admin race, seed 8 of 0-29: still open a second after the revoke).
    @Suite("Revoked token: a handshake racing the watcher's recheck") struct RevokedTokenRecheckTests {
        private final class Late: Sendable {
            let armed = Mutex(true)
            let outcome = Mutex<String?>(nil)
            let client = Mutex<TandemTestClient?>(nil)
        }

        @Test("a handshake with a cached token registering during the recheck of its revocation: refused, or closed 4401 within a second")
        func handshakeDuringRecheck() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let bob = try harness.user("bob")
            let first = try harness.connect(bob)  // the token is now cached
            try first.ok("ping")
            let late = Late()
            let port = harness.port
            harness.server.watcher.afterRegistrySnapshot.withLock {
                $0 = { @Sendable () -> Void in
                    guard late.armed.withLock({ armed in defer { armed = false }; return armed }) else { return }
                    do {
                        late.client.withLock { $0 = nil }
                        let client = try TandemTestClient.connect(port: port, .bearer(bob.token), label: "late")
                        late.client.withLock { $0 = client }
                        late.outcome.withLock { $0 = "accepted" }
                    } catch {
                        late.outcome.withLock { $0 = "refused" }
                    }
                }
            }
            let admin = try harness.externalStore()
            defer { admin.close() }
            try admin.adminRevokeToken(id: bob.tokenID)
            #expect(first.waitForClose(timeout: 1.5)?.code == 4401)
            let outcome = late.outcome.withLock { $0 }
            #expect(outcome != nil, "the watcher's recheck ran")
            if let client = late.client.withLock({ $0 }) {
                let closed = client.waitForClose(timeout: 1.5)
                #expect(closed?.code == 4401 && closed?.reason == "token revoked",
                        "a connection of the revoked token must close within a second: \(String(describing: closed))")
            }
        }
    }
}
