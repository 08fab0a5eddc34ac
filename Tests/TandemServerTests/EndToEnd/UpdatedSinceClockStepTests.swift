import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A client polling `session.list {updated_since: T}` (T: the newest `updated` it saw) after
    /// the server's clock fell behind the stamps in its database misses nothing, and the operator
    /// reads one log line about it.
    @Suite("updated_since after a clock step") struct UpdatedSinceClockStepTests {
        @Test func aPollerSeesAPostMadeWhileTheServersClockIsBehindTheDatabase() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log)
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("older", owner: alice)
            // Another process whose clock reads half an hour ahead writes last: to the server, its own
            // clock is then that far behind the database's stamps, as after a step back of half an
            // hour (under the hour stamps are held).
            var ahead = StoreConfiguration(path: harness.databasePath)
            ahead.clock = { wallMilliseconds() + 1_800_000 }
            let other = try Store(ahead)
            _ = try other.createSession(id: "later", title: "Later", owner: "alice")
            other.close()

            let client = try harness.connect(alice)
            let listed = try client.ok("session.list").array("sessions")
            let times = listed.compactMap { $0["updated"]?.intValue }
            let seen = try #require(times.max())
            #expect(seen > wallMilliseconds() + 1_500_000)
            for n in 0..<3 { _ = try client.ok("turn.post", ["session": "older", "content": .string("post \(n)")]) }
            let polled = try client.ok("session.list", ["updated_since": .integer(seen)]).array("sessions")
            let ids = polled.compactMap { $0["id"]?.stringValue }
            #expect(ids.contains("older"), "\(ids)")
            #expect(polled.allSatisfy { ($0["updated"]?.intValue ?? 0) >= seen })
            let warnings = log.all.filter { $0.message.contains("behind the last time stamp") }
            #expect(warnings.count == 1, "once, not per write: \(warnings.map(\.message))")
            let behind = warnings.first.flatMap { Int64($0.metadata["behind_ms"] ?? "") } ?? 0
            #expect(behind > 1_500_000, "\(warnings.map(\.metadata))")
        }
    }
}
