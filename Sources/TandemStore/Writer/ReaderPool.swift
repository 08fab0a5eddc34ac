import Foundation

/// Read-only connections, each checked out by one thread at a time. In WAL mode a reader sees the
/// last committed state and never blocks the writer.
// Safe: `idle`, `opened` and `closed` are guarded by `condition`; a checked-out Database is
// used only by the thread that checked it out until it is returned.
final class ReaderPool: @unchecked Sendable {
    private let condition = MonotonicCondition()
    private var idle: [Database] = []
    private var opened = 0
    /// Set by `closeAll`: a later read is refused at once (it used to wait forever for a reader,
    /// `opened` still counting those closed), and a reader returned after it is closed, not kept.
    private var closed = false
    private let capacity: Int
    private let configuration: StoreConfiguration

    init(configuration: StoreConfiguration) {
        self.configuration = configuration
        capacity = max(1, configuration.readerCount)
    }

    /// Runs `body` on a reader in one read transaction. With `waitingAtMost` (seconds), a caller
    /// that finds every reader checked out waits that long for one, then throws `busy` instead.
    func withReader<T>(waitingAtMost wait: Double? = nil, _ body: (Database) throws(StoreError) -> T) throws(StoreError) -> T {
        let db = try checkOut(waitingAtMost: wait)
        defer { checkIn(db) }
        try db.run("BEGIN")
        defer { _ = try? db.run("COMMIT") }
        return try body(db)
    }

    private func checkOut(waitingAtMost wait: Double?) throws(StoreError) -> Database {
        let deadline = wait.map { condition.deadline(after: $0) }
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw StoreError(.closed, "the store is closed")
            }
            if let db = idle.popLast() {
                condition.unlock()
                return db
            }
            if opened < capacity {
                opened += 1
                condition.unlock()
                do {
                    let db = try Database(path: configuration.openName, readOnly: configuration.immutable, synchronous: configuration.synchronous,
                                          busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                                          cacheBytes: configuration.cacheBytes)
                    if configuration.opensSearchFile { try SearchFile.attach(db, databasePath: configuration.path) }
                    try db.execute("PRAGMA query_only=ON")
                    return db
                } catch {
                    condition.lock()
                    opened -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            guard let deadline else {
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) && idle.isEmpty && opened >= capacity {
                condition.unlock()
                throw StoreError(.busy, "no database reader came free within \(Int(((wait ?? 0) * 1000).rounded())) ms")
            }
        }
    }

    private func checkIn(_ db: Database) {
        condition.lock()
        if closed {
            opened -= 1
            db.close()
        } else {
            idle.append(db)
            condition.signal()
        }
        condition.unlock()
    }

    /// Closes the idle readers, and each one still checked out as it comes back; reads from now
    /// on, and those waiting for a reader, fail with `closed`.
    func closeAll() {
        condition.lock()
        closed = true
        for db in idle { db.close() }
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
