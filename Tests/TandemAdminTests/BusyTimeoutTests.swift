import Foundation
import Synchronization
import Testing
import TandemStore

/// Another process holding the database's write lock (tandemd in a long write, another
/// tandem-admin): a writing command waits --busy-timeout seconds (5 by default), then exits 4
/// saying so and how long it waited; reading commands go on meanwhile (WAL).
@Suite struct BusyTimeoutTests {
    @Test func aWriteWaitsForTheLockAsLongAsToldThenSaysHowLong() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let other = try Database(path: f.db) // another process's connection
        _ = try other.run("BEGIN IMMEDIATE")

        var started = Date()
        let gaveUp = try f.run(["users", "add", "dave", "--busy-timeout", "0.3"])
        let waited = Date().timeIntervalSince(started)
        expectStatus(gaveUp, 4)
        #expect(gaveUp.stderr.contains("held its write lock for more than 0.3 s") && gaveUp.stderr.contains("--busy-timeout"),
                "\(gaveUp.stderr)")
        #expect(waited >= 0.3 && waited < 4, "gave up after \(waited) s")
        // Reads do not wait for the lock.
        expectStatus(try f.run(["users", "list", "--busy-timeout", "0.3"]), 0)
        // Given before the subcommand, as --db may be.
        expectStatus(try f.run(["--busy-timeout", "0.3", "grant", "erin", "s1", "read"], withDB: true), 4)

        // Released while a patient command waits: it goes through.
        let patient = Mutex<CLIResult?>(nil)
        let done = DispatchGroup()
        started = Date()
        DispatchQueue.global().async(group: done) {
            patient.withLock { $0 = try? f.run(["users", "add", "dave", "--busy-timeout", "20"]) }
        }
        Thread.sleep(forTimeInterval: 0.5)
        _ = try other.run("ROLLBACK")
        done.wait()
        expectStatus(try #require(patient.withLock { $0 }), 0)
        #expect(Date().timeIntervalSince(started) >= 0.4)
        #expect(try f.seed { store in try store.adminUsers().map(\.id) }.contains("dave"))

        let bad = try f.run(["users", "list", "--busy-timeout", "0"])
        expectStatus(bad, 1)
        #expect(bad.stderr.contains("--busy-timeout must be 0.01...600 seconds"), "\(bad.stderr)")
    }
}
