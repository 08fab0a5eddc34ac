import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A link made with `expires_in` ends exactly that long after its `created` (docs/protocol.md,
    /// `share.create`). The server read its clock for the expiry before queueing the write and the store
    /// read it again for `created` when the write ran, so `expires` came out short by the write's wait.
    @Suite("Share link expiry") struct ShareExpiryTests {
        @Test func expiresInCountsFromTheLinksCreated() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            // The old gap was the write's wait: another process (tandem-admin) holding the write lock
            // for a moment makes it show every time.
            let other = try Database(path: harness.databasePath)
            _ = try other.run("BEGIN IMMEDIATE")
            let id = try client.send("share.create", ["session": "s", "expires_in": 604_800])
            Thread.sleep(forTimeInterval: 0.2)
            _ = try other.run("COMMIT")
            let share = try client.response(to: id, timeout: 10).object("result").object("share")
            let gap = try share.int("expires") - share.int("created") - 604_800_000
            #expect(gap == 0, "expires - created - expires_in: \(gap) ms")
            // And without a wait.
            let quick = try client.ok("share.create", ["session": "s", "expires_in": 60]).object("share")
            #expect(try quick.int("expires") - quick.int("created") == 60_000)
        }

        @Test func expiresAtIsKeptAsGivenAndCheckedAgainstTheClock() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let client = try harness.connect(alice)
            let at = wallMilliseconds() + 3_600_000
            let share = try client.ok("share.create", ["session": "s", "expires_at": .integer(at)]).object("share")
            #expect(try share.int("expires") == at)
            #expect(try client.errorCode("share.create", ["session": "s", "expires_at": .integer(wallMilliseconds() - 1000)]) == "invalid_argument")
            #expect(try client.errorCode("share.create", ["session": "s", "expires_at": .integer(wallMilliseconds() + 366 * 86_400_000)])
                    == "invalid_argument")
        }
    }
}
