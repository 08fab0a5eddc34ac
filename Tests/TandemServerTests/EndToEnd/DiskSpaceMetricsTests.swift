import Foundation
import Testing

extension EndToEnd {
    /// deploy/README.md, "Monitoring": what the disk-space alerts (deploy/prometheus) read. The file
    /// system's space is statvfs's for the database's directory; the database's own sizes let an
    /// alert tell a file worth `tandem-admin compact` (much free inside, auto_vacuum NONE).
    @Suite("Disk space metrics") struct DiskSpaceMetricsTests {
        /// The value of the sample named `name` in a /metrics answer, nil when absent.
        private func value(_ name: String, in metrics: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
        }

        @Test("/metrics gives the database file system's free and total bytes as statvfs says, and the database's and WAL's sizes")
        func fileSystemAndFileSizes() throws {
            let harness = try TestServer { $0.loops = 1 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s1", owner: alice)
            var space = statvfs()
            #expect(statvfs(harness.directory.path, &space) == 0)
            let size = Double(space.f_blocks) * Double(space.f_frsize)
            let available = Double(space.f_bavail) * Double(space.f_frsize)
            // Sampled at start, so the first scrape has them.
            let metrics = try PendingGet("/metrics", port: harness.port).answer()
            #expect(metrics.contains("# TYPE tandem_store_filesystem_avail_bytes gauge"), "\(metrics)")
            #expect(value("tandem_store_filesystem_size_bytes", in: metrics) == size)
            // Other processes on this machine write meanwhile: close, not equal.
            let exported = try #require(value("tandem_store_filesystem_avail_bytes", in: metrics))
            #expect(exported > 0 && exported <= size && abs(exported - available) < 512 * 1_048_576, "\(exported) vs \(available)")
            // The writes above went to the WAL; the file's pages were read at open.
            #expect(eventually(timeout: 5) {
                let scraped = (try? PendingGet("/metrics", port: harness.port).answer()) ?? ""
                return (value("tandem_store_wal_bytes", in: scraped) ?? 0) > 0
            })
            let later = try PendingGet("/metrics", port: harness.port).answer()
            #expect((value("tandem_store_file_bytes", in: later) ?? 0) >= 4096, "\(later)")
            #expect((value("tandem_search_file_bytes", in: later) ?? 0) >= 4096, "\(later)")
            // A new file is auto_vacuum NONE until tandem-admin compact converts it.
            #expect(value("tandem_store_reclaims_online", in: later) == 0)
            #expect(value("tandem_search_reclaims_online", in: later) == 0)
        }
    }
}
