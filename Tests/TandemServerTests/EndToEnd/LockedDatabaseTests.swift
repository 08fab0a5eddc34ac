import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// deploy/README.md, `busy-timeout`: while another process holds the database's write lock (a
    /// long `tandem-admin sessions import`), commits wait; past the timeout the answer is
    /// `unavailable`, nothing is written, and the server serves on once the lock is gone.
    @Suite("Locked database") struct LockedDatabaseTests {
        @Test("a post locked out past busy-timeout is unavailable, writes nothing, and the next one succeeds")
        func lockedOutPostIsUnavailableAndRetryable() throws {
            let harness = try TestServer { $0.busyTimeoutSeconds = 0.3 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-lock", owner: alice, members: [])
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s-lock", "content": "before"])

            let other = try Database(path: harness.databasePath) // another process's connection
            _ = try other.run("BEGIN IMMEDIATE")
            let started = Date()
            let refused = try client.request("turn.post", ["session": "s-lock", "content": "while locked"])
            let waited = Date().timeIntervalSince(started)
            #expect(refused["error"]?["code"] == "unavailable", "\(refused)")
            #expect(refused["error"]?["message"]?.stringValue?.contains("locked by another process") == true, "\(refused)")
            #expect(waited >= 0.25, "answered after \(waited) s: it did not wait for the lock")
            // Reads go on meanwhile (WAL): history answers while the lock is held.
            #expect(try client.ok("history", ["session": "s-lock", "last": 10])["turns"]?.arrayValue?.count == 1)
            _ = try other.run("COMMIT")

            try client.ok("turn.post", ["session": "s-lock", "content": "after"])
            let turns = try client.ok("history", ["session": "s-lock", "last": 10])["turns"]?.arrayValue ?? []
            #expect(turns.map { $0["content"] } == ["before", "after"])
            #expect(turns.map { $0["seq"] } == [1, 2])
        }
    }
}
