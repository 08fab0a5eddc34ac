import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// deploy/README.md "Disk space": on a file `tandem-admin compact` converted, a deleted
    /// session's pages go back to the disk while the server runs, shown on /metrics and in one info
    /// line per pass; a file left as made (auto_vacuum NONE) with much free space gets one notice
    /// at start naming the command, a fresh one none.
    @Suite("Disk reclaim") struct DiskReclaimServerTests {
        /// Makes the database at `path` with 2,000 turns (~4 MB) deleted and their pages free, then
        /// converts it as `tandem-admin compact` does when `compact` (which packs the pages away).
        static func prepare(_ path: String, compact: Bool) throws {
            var config = StoreConfiguration(path: path)
            config.searchIndexTidyIdleMilliseconds = 50
            let store = try Store(config)
            _ = try store.createUser(id: "alice", displayName: "Alice")
            _ = try store.createSession(id: "old", title: "to delete", owner: "alice")
            let text = String(repeating: "lorem ipsum dolor sit amet ", count: 80)
            for chunk in 0..<4 {
                _ = try store.appendTurns(session: "old", actor: "alice", (0..<500).map { NewTurn(role: .user, content: "\(chunk) \($0) \(text)") })
            }
            try store.deleteSession(id: "old", actor: "alice")
            try store.finishDeletes()
            try store.catchUpSearchIndex()
            // The text goes once the index has forgotten it (the writer's chore, then the checkpointer's look).
            let freed = eventually(timeout: 20) { store.diskSpace.freeBytes(.main) > 2 << 20 }
            store.close()
            guard freed else { throw StoreError(.invalidState, "the deleted session's pages were not freed") }
            if compact { _ = try Store.compact(databaseAt: path) }
        }

        @Test("a deleted session's space is given back online on a compacted file: metrics count it, a log line tells it")
        func deletedSpaceIsGivenBackAndTold() throws {
            let log = CapturedLog()
            var prepared: (any Error)?
            let harness = try TestServer(log: log) { config in
                config.reclaimFreeMiB = 1
                do { try Self.prepare(config.databasePath, compact: true) } catch { prepared = error }
            }
            defer { harness.stop() }
            if let prepared { throw prepared }
            #expect(harness.store.diskSpace.reclaimsOnline(.main) == true)
            let bob = try harness.user("bob")
            try harness.session("big", owner: bob)
            try harness.session("other", owner: bob)
            let text = String(repeating: "lorem ipsum dolor sit amet ", count: 80)
            for chunk in 0..<4 {
                _ = try harness.store.appendTurns(session: "big", actor: "bob",
                                                  (0..<500).map { NewTurn(role: .user, content: "\(chunk) \($0) \(text)") })
            }
            let owner = try harness.connect(bob)
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
            #expect(scraped.contains("\ntandem_store_reclaims_online 1\n") && scraped.contains("\ntandem_search_reclaims_online 1\n"), "\(scraped)")
            #expect(!log.all.contains { $0.message.contains("tandem-admin compact") })
        }

        @Test("a NONE file with much free space gets one notice at start naming tandem-admin compact, and is never reclaimed")
        func aNoneFileWithFreeSpaceGetsOneNotice() throws {
            let log = CapturedLog()
            var prepared: (any Error)?
            let harness = try TestServer(log: log) { config in
                config.reclaimFreeMiB = 1
                do { try Self.prepare(config.databasePath, compact: false) } catch { prepared = error }
            }
            defer { harness.stop() }
            if let prepared { throw prepared }
            let notices = log.all.filter { $0.message.contains("tandem-admin compact") }
            #expect(notices.count == 1)
            #expect(notices.first?.level == .notice)
            #expect(notices.first?.metadata["free-mib"]?.hasPrefix("main ") == true, "\(notices)")
            #expect(harness.store.diskSpace.reclaimsOnline(.main) == false)
            // What TandemFreeSpaceWorthCompacting (deploy/prometheus) reads.
            #expect(harness.server.metrics.render().contains("\ntandem_store_reclaims_online 0\n"))
            // The free bytes are on /metrics all the same (the sampler mirrors them once a second).
            #expect(eventually(timeout: 5) { harness.server.metrics.render().contains("tandem_store_free_bytes 0\n") == false })
            #expect(harness.store.diskSpace.steps.count == 0)
        }

        @Test("a fresh file gets no notice")
        func aFreshFileGetsNoNotice() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.reclaimFreeMiB = 1 }
            defer { harness.stop() }
            #expect(log.all.contains { $0.message == "tandemd listening" })
            #expect(!log.all.contains { $0.message.contains("tandem-admin compact") })
        }
    }
}
