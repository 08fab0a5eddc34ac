import Foundation
import Testing
@testable import TandemStore

/// Kills a writing child process with SIGKILL at random moments and checks that every write it
/// had reported durable is still there, the file is intact and sequences have no gaps, and the
/// search index (written by the child's writer in its idle time) resumes to exactly right.
@Suite struct CrashSafetyTests {
    static func crashWriterPath() -> String? {
        if let path = ProcessInfo.processInfo.environment["TANDEM_CRASHWRITER"] { return path }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tandem-store-crashwriter").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    @Test func killedWriterLosesNothingItReportedDurable() throws {
        let writer = try #require(Self.crashWriterPath(), "tandem-store-crashwriter not built next to the tests")
        let dir = TempDir()
        defer { dir.cleanup() }
        var rng = SystemRandomNumberGenerator()
        var reportedMax: Int64 = 0
        var totalReported = 0
        var iterations = 0
        var childIndexed = 0 // kills after which the child's own indexing had advanced the mark
        var leftBehind = 0 // kills that left committed turns unindexed (the resume case)
        var lastMark: Int64 = 0
        let started = Date()
        for iteration in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = [dir.dbPath, "4"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait for its first durable report (a loaded machine may start it slowly), then let it
            // write for a random while before the kill.
            var output = out.fileHandleForReading.availableData
            #expect(!output.isEmpty, "the crash writer exited without writing")
            usleep(UInt32.random(in: 20_000...300_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            output.append(out.fileHandleForReading.readDataToEndOfFile())
            let text = String(decoding: output, as: UTF8.self)
            // A line without its newline may have been cut by the kill: not a complete report.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            let reported = lines.compactMap { Int64($0) }
            totalReported += reported.count

            // Read before a store opens the file: its writer would start indexing at once.
            let raw = try rawIndexProgress(dir.dbPath)
            if raw.indexedThrough > lastMark { childIndexed += 1 }
            if !raw.isCaughtUp { leftBehind += 1 }
            let store = try Store(path: dir.dbPath)
            defer { store.close() }
            #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
            let session = try store.session(id: "crash")
            let seqs = try store.read { db throws(StoreError) in
                try db.query("SELECT seq FROM turns WHERE sid = (SELECT sid FROM sessions WHERE id = 'crash') ORDER BY seq") { $0.int(0) }
            }
            #expect(seqs == Array(stride(from: 1, through: session.lastTurnSeq, by: 1)), "gap after iteration \(iteration)")
            let present = Set(seqs)
            let missing = reported.filter { !present.contains($0) }
            #expect(missing.isEmpty, "iteration \(iteration): reported durable but missing: \(missing.prefix(5))")
            // Paged: a fast machine writes more than one page (100,000 events) before the kill.
            var eventSeqs: [Int64] = []
            var head: Int64 = 0
            repeat {
                let page = try store.changes(session: "crash", actor: "writer", since: eventSeqs.last ?? 0, limit: 100_000)
                head = page.lastEventSeq
                eventSeqs += page.events.map(\.eventSeq)
                if page.events.isEmpty { break }
            } while (eventSeqs.last ?? 0) < head
            #expect(eventSeqs == Array(stride(from: 1, through: head, by: 1)))
            #expect(try store.contributions(session: "crash", actor: "writer").first?.counts.turns == Int64(seqs.count))
            // The index resumes from the persisted mark and ends exact: every turn once, no extra.
            try store.catchUpSearchIndex()
            let audit = try auditSearchIndex(dir.dbPath)
            #expect(audit.differences == 0, "iteration \(iteration): index differs from a fresh one")
            #expect(audit.turnsCovered == Int64(seqs.count), "iteration \(iteration): not every turn indexed")
            #expect(try store.search("crash").count == 1) // the title, indexed synchronously
            lastMark = audit.mark
            reportedMax = max(reportedMax, reported.max() ?? 0)
            iterations += 1
            // Bounded: 20 kills, or fewer on a slow machine, to keep the suite's time modest.
            if Date().timeIntervalSince(started) > 18 { break }
        }
        #expect(iterations >= 5, "only \(iterations) kills fitted in the time budget")
        #expect(totalReported > 100, "the child reported too few writes to prove anything")
        #expect(reportedMax > 0)
        #expect(childIndexed > 0, "the child never indexed before a kill")
        #expect(leftBehind > 0, "no kill left turns to index: resuming was not exercised")
    }
}
