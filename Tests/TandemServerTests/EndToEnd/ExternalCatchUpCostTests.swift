import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// The access watcher's catch-up of events it did not publish reads a bounded number of live
    /// sessions' heads a tick (it read every one, four times a second): all of them only after
    /// another process committed, else the next few in turn (architecture.md, "Access watcher").
    @Suite("External catch-up reads a bounded number of sessions") struct ExternalCatchUpCostTests {
        /// `count` sessions of a new user, all joined on one connection.
        private func liveSessions(_ harness: TestServer, _ count: Int) throws -> (TestUser, TandemTestClient) {
            let alice = try harness.user("alice")
            for i in 0..<count { try harness.session("s\(i)", owner: alice) }
            let follower = try harness.connect(alice)
            for i in 0..<count { try follower.ok("session.join", ["session": .string("s\(i)")]) }
            return (alice, follower)
        }

        /// Waits until the watcher ran `count` more ticks.
        private func awaitTicks(_ watcher: AccessWatcher, _ count: Int) {
            let target = watcher.ticks.load(ordering: .relaxed) + count
            let deadline = Date().addingTimeInterval(20 * testTimeScale)
            while watcher.ticks.load(ordering: .relaxed) < target && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        }

        /// The next change-log event of `session`, others dropped.
        private func nextEvent(of session: String, _ client: TandemTestClient, timeout: Double) -> JSONValue? {
            let deadline = Date().addingTimeInterval(timeout)
            while deadline.timeIntervalSinceNow > 0 {
                guard let event = client.nextEvent(timeout: deadline.timeIntervalSinceNow) else { return nil }
                if event["session"] == .string(session) && event["eseq"] != nil { return event }
            }
            return nil
        }

        @Test("with no other process writing, a tick reads at most the sweep's sessions, not every live one")
        func quietTicksReadTheSweepOnly() throws {
            let harness = try TestServer(accessSweepPerTick: 2)
            defer { harness.stop() }
            let (_, follower) = try liveSessions(harness, 40)
            defer { follower.close() }
            let watcher = harness.server.watcher
            awaitTicks(watcher, 2)
            let (reads, ticks) = (watcher.headsRead.load(ordering: .relaxed), watcher.ticks.load(ordering: .relaxed))
            awaitTicks(watcher, 8)
            let readsSince = watcher.headsRead.load(ordering: .relaxed) - reads
            let ticksSince = watcher.ticks.load(ordering: .relaxed) - ticks
            #expect(ticksSince >= 8)
            // One tick may have been under way at the first reading.
            #expect(readsSince <= 2 * (ticksSince + 1), "\(readsSince) heads read in \(ticksSince) ticks, 40 sessions live")
            #expect(readsSince >= 2 * (ticksSince - 1), "the sweep goes on: \(readsSince) heads in \(ticksSince) ticks")
        }

        @Test("another process's write reaches its session's followers long before the sweep would come to it")
        func externalWriteIsCaughtUpAtOnce() throws {
            // A sweep of one session a tick takes 50 s to come round 200 live sessions.
            let harness = try TestServer(accessSweepPerTick: 1) { $0.maxSessionsPerConnection = 400 }
            defer { harness.stop() }
            let (alice, follower) = try liveSessions(harness, 200)
            defer { follower.close() }
            awaitTicks(harness.server.watcher, 2)
            let admin = try harness.externalStore()
            defer { admin.close() }
            let (_, seq) = try admin.updateSession(id: "s137", actor: alice.id, title: "Renamed elsewhere")
            let event = nextEvent(of: "s137", follower, timeout: 10 * testTimeScale)
            #expect(event?["eseq"]?.intValue == seq, "\(String(describing: event))")
        }

        @Test("a change of this server's own writer that nobody published is found by the sweep")
        func unpublishedOwnWriteIsFoundBySweep() throws {
            let harness = try TestServer(accessSweepPerTick: 3)
            defer { harness.stop() }
            let (alice, follower) = try liveSessions(harness, 9)
            defer { follower.close() }
            awaitTicks(harness.server.watcher, 2)
            // The server's own store, past the dispatcher: committed by its writer (no other
            // commit for `PRAGMA data_version` to see), published by no one.
            let (_, seq) = try harness.store.updateSession(id: "s6", actor: alice.id, title: "Renamed unpublished")
            let event = nextEvent(of: "s6", follower, timeout: 10 * testTimeScale)
            #expect(event?["eseq"]?.intValue == seq, "\(String(describing: event))")
        }
    }

    @Suite("External catch-up sweep") struct ExternalCatchUpSweepTests {
        @Test("a round visits every live session of its snapshot once, a sweep's worth a tick, then starts again")
        func roundsCoverEverySession() {
            let metrics = ServerMetrics()
            let sessions = (0..<7).map { LiveSession(id: "s\($0)", head: 0, created: 1, metrics: metrics) }
            var catchUp = ExternalCatchUp(sweepPerTick: 3)
            var snapshots = 0
            var visited: [[String]] = []
            for _ in 0..<4 {
                visited.append(catchUp.nextSweep { snapshots += 1; return sessions }.map(\.id))
            }
            #expect(visited == [["s0", "s1", "s2"], ["s3", "s4", "s5"], ["s6"], ["s0", "s1", "s2"]])
            #expect(snapshots == 2)
        }

        @Test("a session read ahead of its fan-out is due at the next tick once, with the highest head read")
        func pendingKeepsTheHighestHead() {
            let session = LiveSession(id: "s", head: 0, created: 1, metrics: ServerMetrics())
            var catchUp = ExternalCatchUp(sweepPerTick: 3)
            catchUp.notePending(session, head: 5)
            catchUp.notePending(session, head: 4)
            let due = catchUp.takePending()
            #expect(due.count == 1 && due.first?.1 == 5)
            #expect(catchUp.takePending().isEmpty)
            catchUp.restorePending(due)
            #expect(catchUp.takePending().count == 1)
        }
    }
}
