import Foundation
import Testing

extension EndToEnd {
    /// deploy/README.md's metrics table and what `/metrics` exports are the same list: a metric
    /// added without its line, or a line left for one removed, fails here.
    @Suite("Metrics documented") struct MetricsDocumentedTests {
        @Test("every metric /metrics exports has its row in deploy/README.md's table, and every row names an exported metric")
        func tableMatchesTheExport() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            let readme = try String(contentsOf: root.appendingPathComponent("deploy/README.md"), encoding: .utf8)
            // Rows like "| `tandem_a` / `tandem_b` | gauge | ...": the names in the first cell.
            var documented = Set<String>()
            for line in readme.split(separator: "\n") where line.hasPrefix("| `tandem_") {
                let cell = line.dropFirst(2).prefix { $0 != "|" }
                for part in cell.split(separator: "`") where part.hasPrefix("tandem_") { documented.insert(String(part)) }
            }
            let harness = try TestServer { $0.loops = 1 }
            defer { harness.stop() }
            let metrics = try PendingGet("/metrics", port: harness.port).answer()
            let exported = Set(metrics.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# TYPE ") else { return nil }
                return line.dropFirst(7).split(separator: " ").first.map(String.init)
            })
            // Exported only with tls-cert.
            let conditional: Set = ["tandem_tls_certificate_expiry_timestamp_seconds"]
            #expect(exported.count > 20)
            #expect(exported.subtracting(documented).isEmpty, "not in deploy/README.md: \(exported.subtracting(documented).sorted())")
            #expect(documented.subtracting(exported).subtracting(conditional).isEmpty,
                    "documented, not exported: \(documented.subtracting(exported).subtracting(conditional).sorted())")
        }
    }
}
