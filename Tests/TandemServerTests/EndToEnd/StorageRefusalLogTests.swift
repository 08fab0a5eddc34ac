import Foundation
import TandemStore
import Testing

extension EndToEnd {
    /// A member retrying posts while storage refuses them (a full disk, a read-only mount, another
    /// process holding the write lock) wrote one `error` line per attempt: the disk-full drill's 335
    /// refused posts were 335 identical lines, on a disk with no room for them. Each client is still
    /// told why every time; the log says it once per kind and window, then counts.
    @Suite("Storage refusal log") struct StorageRefusalLogTests {
        @Test("posts refused while another process holds the write lock are answered each time, logged once")
        func refusedWritesAreLoggedOnce() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.busyTimeoutSeconds = 0.02 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-refused", owner: alice, members: [])
            let client = try harness.connect(alice)

            let other = try Database(path: harness.databasePath) // another process's connection
            _ = try other.run("BEGIN IMMEDIATE")
            for i in 0..<12 {
                let refused = try client.request("turn.post", ["session": "s-refused", "content": .string("try \(i)")])
                #expect(refused["error"]?["code"] == "unavailable", "\(refused)")
                #expect(refused["error"]?["message"]?.stringValue?.contains("locked by another process") == true, "\(refused)")
            }
            _ = try other.run("COMMIT")
            try client.ok("turn.post", ["session": "s-refused", "content": "after"])

            let failures = log.all.filter { $0.message == "request failed" }
            #expect(failures.count == 1, "\(failures.map(\.metadata))")
            #expect(failures.first?.level == .error)
            #expect(failures.first?.metadata["storage"] == "lockedOut", "\(failures.map(\.metadata))")
            #expect(failures.first?.metadata["op"] == "turn.post")
        }
    }
}
