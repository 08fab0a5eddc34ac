import Foundation
import TandemJSON
@testable import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// A connection named for the watcher's next tick (`recheckLater`: a handshake that took a token
    /// from the cache as access changed) is checked on that tick whatever the tick's own access
    /// changes name: filtered by their scope, it was dropped from the list and never checked.
    @Suite("Named connections and the access change's scope") struct NamedRecheckScopeTests {
        @Test("a connection named for a tick is checked though the tick's access change names another token")
        func namedConnectionIsCheckedWhateverTheScope() throws {
            // Ticks run by hand: the watcher's own thread ticks once at start, then waits a minute.
            let harness = try TestServer(accessWatchInterval: 60)
            defer { harness.stop() }
            let watcher = harness.server.watcher
            let deadline = Date().addingTimeInterval(10 * testTimeScale)
            while watcher.ticks.load(ordering: .relaxed) < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            let bob = try harness.user("bob"), carol = try harness.user("carol")
            let client = try harness.connect(bob)
            try client.ok("ping")
            _ = watcher.tick() // takes in the users' audit entries
            let admin = try harness.externalStore()
            defer { admin.close() }
            // Bob's token ends with no audit entry of its own, as for a handshake whose check is
            // owed to an earlier tick; his connection is named for the next tick.
            try admin.write { ctx throws(StoreError) in
                try ctx.db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [.integer(ctx.now), .text(bob.tokenID)])
            }
            let named = try #require(watcher.registry.all.first { $0.1.identity.userID == "bob" })
            watcher.registry.recheckLater(named.0, client: named.1)
            try admin.adminRevokeToken(id: carol.tokenID) // the tick's access change names carol's token only
            _ = watcher.tick()
            #expect(client.waitForClose(timeout: 5 * testTimeScale)?.code == 4401)
        }
    }
}
