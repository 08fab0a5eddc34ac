import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// /metrics shows the store writer's group commits, so an operator can read the mean group size.
    @Suite("Store metrics") struct StoreMetricsTests {
        @Test("posts appear as write jobs and group commits on /metrics")
        func commitsAndJobsAreCounted() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-metrics", owner: alice)
            let client = try harness.connect(alice)
            let metrics = harness.server.metrics
            let jobsBefore = metrics.storeJobs.value
            var ids: [Int64] = []
            for index in 0..<20 { ids.append(try client.send("turn.post", ["session": "s-metrics", "content": .string("m\(index)")])) }
            for id in ids { _ = try client.response(to: id, timeout: 10) }
            // Sampled once a second.
            let deadline = Date().addingTimeInterval(5)
            while metrics.storeJobs.value < jobsBefore + 20 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(metrics.storeJobs.value >= jobsBefore + 20)
            #expect(metrics.storeCommits.value >= 1 && metrics.storeCommits.value <= metrics.storeJobs.value)
            let text = metrics.render()
            #expect(text.contains("# TYPE tandem_store_commits_total counter"))
            #expect(text.contains("tandem_store_write_jobs_total \(metrics.storeJobs.value)"))
            #expect(text.contains("# TYPE tandem_search_index_backlog_turns gauge"))
        }

        @Test("deliveries count every event frame queued: live, presence, and a join's replayed backlog")
        func deliveriesCountReplaysAndPresence() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice"), bob = try harness.user("bob")
            try harness.session("s-count", owner: alice, members: [(bob, .write)])
            let poster = try harness.connect(alice)
            for n in 0..<5 { try poster.ok("turn.post", ["session": "s-count", "content": .string("t\(n)")]) }
            let deliveries = harness.server.metrics.deliveries
            try poster.ok("session.join", ["session": "s-count"])
            // "alice joined" reaches alice after her join's answer: wait for it, or it could be
            // counted after `before` is read (it was, once, under load).
            #expect(poster.nextEvent(named: "presence", timeout: 10 * testTimeScale)?["user"]?.stringValue == "alice")
            let before = deliveries.value
            let late = try harness.connect(bob)
            let joined = try late.ok("session.join", ["session": "s-count", "since": 0])
            // The 5 turns and bob's own member event, replayed to bob; then "bob joined" to alice and bob.
            let backlog = try #require(joined["backlog"]?.intValue)
            #expect(backlog == 6)
            #expect(eventually(timeout: 10 * testTimeScale) { deliveries.value - before == Int(backlog) + 2 }, "\(deliveries.value - before)")
        }
    }
}
