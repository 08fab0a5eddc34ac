import Foundation

/// What one health probe read from the database.
public struct HealthReading: Sendable, Equatable {
    /// Deleted sessions whose rows are still being removed (`tandem_store_deletes_pending`).
    public let pendingDeletes: Int
}

/// The health check's read, outside the reader pool: exports, searches and history reads hold
/// pooled readers for seconds, and a health check that waited behind them reported a busy server
/// as down (an orchestrator then restarts it).
///
/// Each probe opens a fresh read-only connection, reads one indexed count and closes it. A
/// connection kept open would go on reading a file that was removed or replaced (its descriptor)
/// and from its page cache; a fresh open finds a missing, unreadable or garbage file. Probes are
/// one at a time: one that arrives while another reads waits for that read and takes its answer
/// (it is as fresh as its own would be), so a stalled disk holds one connection, not one per
/// scrape.
// Safe: `running`, `finished` and `last` are guarded by `condition`.
final class HealthProbe: @unchecked Sendable {
    private let condition = MonotonicCondition()
    private var running = false
    /// Probes finished so far: a waiter takes the answer of the one that was under way.
    private var finished = 0
    private var last: Result<HealthReading, StoreError> = .failure(StoreError(.closed, "no health probe has run"))
    private let configuration: StoreConfiguration

    /// The probe's connection keeps few pages: it reads one index, then closes.
    static let cacheBytes = 256 << 10

    init(configuration: StoreConfiguration) {
        self.configuration = configuration
    }

    /// Reads the database on a connection of its own. When another probe is reading, waits at
    /// most `wait` seconds for its answer, then throws `busy` (that read is stuck: a stalled disk).
    func read(waitingAtMost wait: Double) throws(StoreError) -> HealthReading {
        condition.lock()
        if running {
            let awaited = finished + 1
            let deadline = condition.deadline(after: wait)
            while finished < awaited {
                if !condition.wait(until: deadline) && finished < awaited {
                    condition.unlock()
                    throw StoreError(.busy, "the health read under way has not finished within \(Int((wait * 1000).rounded())) ms")
                }
            }
            let answer = last
            condition.unlock()
            return try answer.get()
        }
        running = true
        condition.unlock()
        let answer: Result<HealthReading, StoreError>
        do throws(StoreError) {
            answer = .success(try probe())
        } catch {
            answer = .failure(error)
        }
        condition.lock()
        last = answer
        finished += 1
        running = false
        condition.broadcast()
        condition.unlock()
        return try answer.get()
    }

    private func probe() throws(StoreError) -> HealthReading {
        let db = try Database(path: configuration.openName, readOnly: true, synchronous: configuration.synchronous,
                              busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                              cacheBytes: Self.cacheBytes)
        try db.execute("PRAGMA query_only=ON")
        try db.run("BEGIN")
        defer { _ = try? db.run("COMMIT") }
        return HealthReading(pendingDeletes: try Store.countPendingDeletes(db))
    }
}
