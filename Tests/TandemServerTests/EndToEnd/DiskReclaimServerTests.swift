import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// deploy/README.md "Disk space": a deleted session's pages go back to the disk while the
    /// server runs, shown on /metrics and in one info line per pass.
    @Suite("Disk reclaim") struct DiskReclaimServerTests {
        @Test("a deleted session's space is given back online: metrics count it, a log line tells it")
        func deletedSpaceIsGivenBackAndTold() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.reclaimFreeMiB = 1 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("big", owner: alice)
            try harness.session("other", owner: alice)
            let text = String(repeating: "lorem ipsum dolor sit amet ", count: 80)
            for chunk in 0..<4 {
                _ = try harness.store.appendTurns(session: "big", actor: "alice",
                                                  (0..<500).map { NewTurn(role: .user, content: "\(chunk) \($0) \(text)") })
            }
            let owner = try harness.connect(alice)
            try owner.ok("session.delete", ["session": "big"])
            for i in 1...10 {
                let posted = try owner.ok("turn.post", ["session": "other", "content": .string("during \(i)")])
                #expect(posted["turn"]?["seq"]?.intValue == Int64(i))
            }
            try harness.store.finishDeletes()
            // The turns' text goes once the search index has forgotten it; then the pages go back,
            // and the sampler (once a second) mirrors the counter and logs the pass.
            #expect(eventually(timeout: 30) {
                log.all.contains { $0.message == "gave free pages back to the disk" && $0.metadata["file"] == "main" }
            })
            #expect(harness.store.diskSpace.reclaimedBytes > 2 << 20)
            let metrics = harness.server.metrics
            let scraped = metrics.render()
            #expect(scraped.contains("# TYPE tandem_store_reclaimed_bytes_total counter"))
            #expect(!scraped.contains("tandem_store_reclaimed_bytes_total 0\n"), "\(scraped)")
            #expect(scraped.contains("# TYPE tandem_store_free_bytes gauge"))
            #expect(scraped.contains("# TYPE tandem_search_free_bytes gauge"))
            #expect(!log.all.contains { $0.message.contains("auto_vacuum NONE") })
        }
    }
}
