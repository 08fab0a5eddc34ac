import Foundation
@testable import TandemStore
import Testing

extension EndToEnd {
    /// `/healthz` and `/metrics`' pending-deletes count read on the store's health probe, a fresh
    /// connection of their own. They used to wait up to `http-read-wait` for a pooled reader, and
    /// under a stream of big exports `/healthz` answered 503 busy: an orchestrator restarts a server
    /// for being loaded. The probe must still fail when the database does not read or storage
    /// refuses writes.
    @Suite("Health probe") struct HealthProbeTests {
        @Test("with every pooled reader held, /healthz answers 200 at once and /metrics gives the real pending-deletes count")
        func answersWhileEveryReaderIsHeld() throws {
            let harness = try TestServer {
                $0.loops = 1
                // A probe that waited for a pooled reader would wait this long (and answer 503).
                $0.httpReadWaitSeconds = 120 * testTimeScale
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-gone", owner: alice)
            // A session whose rows are still to be removed: marked as the delete marks it, without
            // waking the writer's delete steps, so the count stays 1 while the test reads it.
            try harness.store.write { ctx throws(StoreError) in
                _ = try ctx.db.run("UPDATE sessions SET status = '\(SessionReaper.status)' WHERE id = 's-gone'")
            }
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            defer { readers.release() }

            // Each answer well before http-read-wait (not a latency bound: a loaded host takes its time).
            for _ in 0..<5 {
                let started = monotonicSeconds()
                let health = try PendingGet("/healthz", port: harness.port).answer(timeout: 30 * testTimeScale)
                #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
                #expect(health.hasSuffix("\r\n\r\nok\n"))
                #expect(monotonicSeconds() - started < 10 * testTimeScale, "/healthz took \(monotonicSeconds() - started) s")
            }
            let started = monotonicSeconds()
            let metrics = try PendingGet("/metrics", port: harness.port).answer(timeout: 30 * testTimeScale)
            #expect(metrics.hasPrefix("HTTP/1.1 200"), "\(metrics.prefix(200))")
            #expect(metrics.contains("\ntandem_store_deletes_pending 1\n"), "read at the scrape, not a stale value")
            #expect(monotonicSeconds() - started < 10 * testTimeScale, "/metrics took \(monotonicSeconds() - started) s")
        }

        @Test("probes at once from many threads all answer (one reads, the others take its answer)")
        func concurrentProbes() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let readers = try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount)
            defer { readers.release() }
            let answers = Locked<[Int]>([])
            let store = harness.store
            DispatchQueue.concurrentPerform(iterations: 32) { _ in
                let reading = try? store.probeHealth(waitingAtMost: 5)
                answers.withLock { $0.append(reading?.pendingDeletes ?? -1) }
            }
            #expect(answers.value == Array(repeating: 0, count: 32))
        }

        @Test("/healthz answers 503 and /metrics tandem_store_readable 0 when the database file is gone or is not a database, though pooled connections still read the file they opened")
        func failsWhenTheDatabaseDoesNotRead() throws {
            let harness = try TestServer { $0.loops = 1 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-1", owner: alice)
            #expect(try PendingGet("/healthz", port: harness.port).answer().hasPrefix("HTTP/1.1 200"))
            #expect(try PendingGet("/metrics", port: harness.port).answer().contains("\ntandem_store_readable 1\n"))
            // Every pooled reader opened now (they open when first needed): one opened after the
            // removal would make a new, empty file ("no such table", seen under load when the
            // access watcher held the only open one).
            try HeldReaders(harness.store, count: StoreConfiguration(path: harness.databasePath).readerCount).release()

            // Removed: every open connection reads on (the descriptor), the file is not there.
            try FileManager.default.removeItem(atPath: harness.databasePath)
            #expect(try harness.store.pendingDeletes() == 0, "a pooled reader still reads the removed file")
            let gone = try PendingGet("/healthz", port: harness.port).answer()
            #expect(gone.hasPrefix("HTTP/1.1 503"), "\(gone)")
            #expect(gone.hasSuffix("storage unavailable: the database does not read, or refused the last write (full, read-only or failing disk)\n"))
            // /metrics still answers (the alert rules page on this series, deploy/prometheus).
            let metrics = try PendingGet("/metrics", port: harness.port).answer()
            #expect(metrics.hasPrefix("HTTP/1.1 200") && metrics.contains("\ntandem_store_readable 0\n"), "\(metrics.prefix(300))")

            // Garbage in its place (its WAL files gone with it).
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: harness.databasePath + suffix) }
            try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: harness.databasePath))
            let garbage = try PendingGet("/healthz", port: harness.port).answer()
            #expect(garbage.hasPrefix("HTTP/1.1 503"), "\(garbage)")
            #expect(garbage.contains("storage unavailable"))
        }

        @Test("/healthz answers 503 and /metrics says tandem_store_refusing_writes 1 while storage refuses writes, 200 and 0 after the next commit; tandem_store_write_refusals_total keeps the count")
        func failsWhileStorageRefusesWrites() throws {
            let harness = try TestServer { $0.loops = 1 }
            defer { harness.stop() }
            #expect(try PendingGet("/healthz", port: harness.port).answer().hasPrefix("HTTP/1.1 200"))
            let before = try PendingGet("/metrics", port: harness.port).answer()
            #expect(before.contains("\ntandem_store_refusing_writes 0\n"))
            #expect(before.contains("\n# TYPE tandem_store_write_refusals_total counter\ntandem_store_write_refusals_total 0\n"), "\(before)")
            // What the writer notes when a commit fails with SQLITE_FULL (the disk-full drill does it for real).
            harness.store.writer.storage.note(StoreError(.sqlite, "database or disk is full", sqliteCode: 13))
            let refused = try PendingGet("/healthz", port: harness.port).answer()
            #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused)")
            #expect(refused.contains("storage unavailable"))
            // The alert rules (deploy/prometheus) page on this series rather than on a failing probe.
            #expect(try PendingGet("/metrics", port: harness.port).answer().contains("\ntandem_store_refusing_writes 1\n"))
            _ = try harness.user("alice") // a write commits
            #expect(try PendingGet("/healthz", port: harness.port).answer().hasPrefix("HTTP/1.1 200"))
            // The flag is cleared; the count is not (an alert on refusals between scrapes reads it).
            let after = try PendingGet("/metrics", port: harness.port).answer()
            #expect(after.contains("\ntandem_store_refusing_writes 0\n"))
            #expect(after.contains("\ntandem_store_write_refusals_total 1\n"), "\(after)")
        }

        @Test("/metrics exports max-connections as tandem_connections_limit, beside tandem_connections")
        func exportsTheConnectionLimit() throws {
            let harness = try TestServer {
                $0.loops = 1
                $0.maxConnections = 37
            }
            defer { harness.stop() }
            let metrics = try PendingGet("/metrics", port: harness.port).answer()
            #expect(metrics.contains("\n# TYPE tandem_connections_limit gauge\ntandem_connections_limit 37\n"), "\(metrics)")
            #expect(metrics.contains("\ntandem_connections 0\n"))
        }
    }
}
