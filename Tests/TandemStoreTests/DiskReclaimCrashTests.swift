import Foundation
import Testing
@testable import TandemStore

/// A process killed with SIGKILL in the middle of giving free pages back (`DiskReclaim`) loses
/// no write it reported durable, and leaves an intact file whose next run goes on reclaiming.
@Suite struct DiskReclaimCrashTests {
    @Test func killedMidReclaimLosesNothingReportedDurable() throws {
        let writer = try #require(CrashSafetyTests.crashWriterPath(), "tandem-store-crashwriter not built next to the tests")
        let dir = TempDir()
        defer { dir.cleanup() }
        var rng = SystemRandomNumberGenerator()
        var interrupted = 0 // kills after which free pages were left: the pass was cut short
        var pageCounts: [Int64] = []
        for iteration in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = ["--reclaim", dir.dbPath]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var output = Data()
            // Until the first reclaim step has run (or the child has ended, which is a failure).
            while !String(decoding: output, as: UTF8.self).contains("reclaiming\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                output.append(chunk)
            }
            #expect(String(decoding: output, as: UTF8.self).contains("reclaiming\n"), "iteration \(iteration): no reclaim step ran")
            usleep(UInt32.random(in: 0...150_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            output.append(out.fileHandleForReading.readDataToEndOfFile())
            var lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast() // possibly cut by the kill
            let reported = lines.compactMap { Int64($0) }

            do {
                // Read before a store opens the file: its writer would go on reclaiming.
                let raw = try Database(path: dir.dbPath)
                if try raw.scalar("PRAGMA freelist_count") ?? 0 > 0 { interrupted += 1 }
                pageCounts.append(try raw.scalar("PRAGMA page_count") ?? 0)
                #expect(try raw.integrityCheck() == ["ok"])
            }
            var config = StoreConfiguration(path: dir.dbPath)
            config.reclaimFreeBytes = nil // the file as the kill left it
            let store = try Store(config)
            defer { store.close() }
            let present = Set(try store.read { db throws(StoreError) in
                try db.query("SELECT seq FROM turns WHERE sid = (SELECT sid FROM sessions WHERE id = 'crash')") { $0.int(0) }
            })
            let missing = reported.filter { !present.contains($0) }
            #expect(missing.isEmpty, "iteration \(iteration): reported durable but missing: \(missing.prefix(5))")
            #expect(!reported.isEmpty)
        }
        #expect(interrupted >= 1, "no kill landed inside a reclaim pass (page counts \(pageCounts))")
    }
}
