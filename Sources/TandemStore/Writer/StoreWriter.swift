import Foundation

/// The single owner of the write connection, with group commit.
///
/// Callers submit jobs; the writer thread takes everything queued (up to `maxBatchJobs`), runs the
/// jobs in ONE transaction, each inside its own SAVEPOINT so a failing job rolls back alone, commits,
/// and only then reports each job's result: a success result means the write is committed (durable
/// to the degree `synchronous` promises).
///
/// Full-text indexing of turns is not part of those transactions: the writer indexes committed
/// turns in its idle time, in bounded steps of their own (see `SearchIndexer`).
// Safe to share: queue, stopping, thread, counters and indexWaiters are guarded by `condition`;
// `context` (with its Database), `indexBehind`, `backlogSince`, `idle` and `indexStepTurns` are touched
// only by the writer thread after init.
public final class StoreWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private let completer: Completer
    private var queue: [WriteJob] = []
    /// Jobs queued with `wake: false`, not yet handed to the writer (see `enqueue`).
    private var held: [WriteJob] = []
    private var stopping = false
    private var finished = false
    private let context: WriteContext
    private let maxBatch: Int
    private let maxQueued: Int
    private var thread: Thread?

    private var committedBatches = 0
    /// Searches waiting for the index to reach a turn id.
    private var indexWaiters: [(target: Int64, waiter: Waiter<Void>)] = []
    /// Whether turns may be waiting to be indexed (true after every commit until a step finds none).
    private var indexBehind = true
    /// The index's high-water mark and the highest turn id, as of the writer's last step (or its
    /// start), raised by its own inserts since: their difference is the indexing backlog. Another
    /// process's inserts are found by the next step.
    private var indexedThrough: Int64 = 0
    private var latestTurn: Int64 = 0
    /// Since when turns have been waiting for the index (nil: none known to wait).
    private var backlogSince: Date?
    /// Whether the last loop turn found no job (the writer is idle: index without waiting again).
    private var idle = false
    private let backgroundIndexing: Bool
    private let indexIdle: TimeInterval
    private let indexQuiet: TimeInterval
    private let indexMinStep: Int64
    private let indexMaxLag: TimeInterval
    private let indexBatch: Int
    private let indexStepTarget: Double
    /// Turns per index step now: halved while steps take longer than `indexStepTarget` (big
    /// turns), doubled back up to `indexBatch` while they take under half of it.
    private var indexStepTurns: Int
    private var committedJobs = 0

    /// Transactions committed so far (for benchmarks and tests).
    public var batches: Int {
        condition.lock()
        defer { condition.unlock() }
        return committedBatches
    }

    /// Jobs committed so far.
    public var jobs: Int {
        condition.lock()
        defer { condition.unlock() }
        return committedJobs
    }

    /// Transactions and jobs committed so far, read together.
    public var committed: (transactions: Int, jobs: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (committedBatches, committedJobs)
    }

    init(database: Database, configuration: StoreConfiguration) {
        context = WriteContext(db: database, configuration: configuration)
        completer = Completer(scope: configuration.completionScope)
        maxBatch = max(1, configuration.maxBatchJobs)
        maxQueued = max(1, configuration.maxQueuedJobs)
        backgroundIndexing = configuration.indexTurnsForSearch
        indexIdle = Double(max(0, configuration.searchIndexIdleMilliseconds)) / 1000
        indexQuiet = Double(max(0, configuration.searchIndexQuietMilliseconds)) / 1000
        indexMinStep = Int64(max(1, configuration.searchIndexMinStepTurns))
        indexMaxLag = Double(max(0, configuration.searchIndexMaxLagMilliseconds)) / 1000
        indexBatch = max(1, configuration.searchIndexBatchTurns)
        indexStepTarget = Double(max(1, configuration.searchIndexStepMilliseconds)) / 1000
        indexStepTurns = indexBatch
        // The thread keeps the writer alive until `close()` lets the loop end.
        let thread = Thread { self.loop() }
        thread.name = "tandem-store-writer"
        thread.stackSize = 4 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `body` to run on the writer connection; `completion` runs after the batch commits (or
    /// with the job's error) on the completion thread, in commit order. Keep completions short and
    /// never wait on the store from one (that would deadlock the completion thread).
    ///
    /// `deferrable` jobs may leave staged index/counter work for the end of the batch; other jobs
    /// see every earlier job's effects fully applied.
    public func submit<T: Sendable>(
        deferrable: Bool = false,
        _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        enqueue(deferrable: deferrable, savepoint: true, body, completion: completion)
    }

    /// `savepoint: false` is for jobs that check everything before their first write and so can
    /// only fail half-way with an SQLite error; such a failure aborts the whole batch (every job in
    /// it fails), since there is no savepoint to roll back to. It saves the savepoint's statements
    /// and page copies on the append hot path.
    ///
    /// `wake: false` queues the job without waking the writer: a caller that submits many jobs in a
    /// burst (an event loop handling one turn's messages) calls `wakeForQueuedJobs()` once after the
    /// burst, so the writer takes them as one group commit instead of waking (and, on a busy core,
    /// preempting the caller) for each. Jobs held this way wait for that call or for the writer's
    /// next wake-up, whichever comes first.
    func enqueue<T: Sendable>(
        deferrable: Bool, savepoint: Bool, wake: Bool = true,
        _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        let job = WriteJob(deferrable: deferrable, savepoint: savepoint, body: body, completion: completion)
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(StoreError(.closed, "the store is closed")))
            return
        }
        if queue.count + held.count >= maxQueued {
            condition.unlock()
            completion(.failure(StoreError(.busy, "write queue is full (\(maxQueued) jobs)")))
            return
        }
        if wake {
            releaseHeld()
            queue.append(job)
            condition.signal()
        } else {
            held.append(job)
        }
        condition.unlock()
    }

    /// Hands the writer the jobs queued with `wake: false`, and wakes it.
    public func wakeForQueuedJobs() {
        condition.lock()
        if !held.isEmpty {
            releaseHeld()
            condition.signal()
        }
        condition.unlock()
    }

    /// Moves held jobs to the queue, ahead of anything queued after them. Under `condition`.
    private func releaseHeld() {
        guard !held.isEmpty else { return }
        queue.append(contentsOf: held)
        held.removeAll(keepingCapacity: true)
    }

    /// Runs `body` as a write job and waits until it is committed.
    public func perform<T: Sendable>(
        deferrable: Bool = false, _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        try perform(deferrable: deferrable, savepoint: true, body)
    }

    func perform<T: Sendable>(
        deferrable: Bool, savepoint: Bool, _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let waiter = Waiter<T>()
        enqueue(deferrable: deferrable, savepoint: savepoint, body) { waiter.deliver($0) }
        return try waiter.wait().get()
    }

    /// Async form of `perform`.
    public func perform<T: Sendable>(
        deferrable: Bool = false, _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            submit(deferrable: deferrable, body) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Finishes queued work, then stops the thread. Later submissions fail with `closed`.
    public func close() {
        condition.lock()
        stopping = true
        releaseHeld()
        condition.broadcast()
        while !finished { condition.wait() }
        thread = nil // breaks the writer → thread → closure → writer cycle
        condition.unlock()
        completer.close()
    }

    private func loop() {
        if backgroundIndexing, let progress = try? SearchIndexer.progress(context.db) {
            (indexedThrough, latestTurn) = (progress.indexedThrough, progress.latestTurn)
        }
        while true {
            condition.lock()
            // Sleep until there are jobs, a search waiting for the index, or (with turns left to
            // index) a pause without any job: `indexIdle` once a full step's worth waits,
            // `indexQuiet` for less, so a steady stream of posts is indexed in large steps.
            // Once idle, steps follow each other until a job arrives or nothing is left.
            while queue.isEmpty && !stopping && indexWaiters.isEmpty {
                if indexBehind && backgroundIndexing {
                    if idle { break }
                    let pause = latestTurn - indexedThrough >= indexMinStep ? indexIdle : indexQuiet
                    if !condition.wait(until: Date(timeIntervalSinceNow: pause)) && queue.isEmpty { break }
                } else {
                    condition.wait()
                }
            }
            if queue.isEmpty && stopping {
                finished = true
                let waiters = indexWaiters
                indexWaiters.removeAll()
                condition.broadcast()
                condition.unlock()
                for w in waiters { w.waiter.deliver(.failure(StoreError(.closed, "the store is closed"))) }
                return
            }
            let take = min(queue.count, maxBatch)
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            let searchWaiting = !indexWaiters.isEmpty
            condition.unlock()
            idle = batch.isEmpty
            if !batch.isEmpty {
                runBatch(batch)
                indexBehind = true
                latestTurn = max(latestTurn, context.lastTurnID)
                if backlogSince == nil && latestTurn > indexedThrough { backlogSince = Date() }
            }
            // A waiting search gets one bounded index step per group commit, so neither starves;
            // so does a backlog that a steady stream never leaves a pause for.
            if batch.isEmpty || searchWaiting || indexOverdue() { indexStep() }
        }
    }

    /// Whether the backlog must be indexed now, pause or not: two steps' worth wait, or turns
    /// have been waiting for `indexMaxLag`.
    private func indexOverdue() -> Bool {
        guard backgroundIndexing && indexBehind, let since = backlogSince else { return false }
        let backlog = latestTurn - indexedThrough
        if backlog <= 0 { return false }
        if backlog >= max(indexMinStep, 2 * Int64(indexStepTurns)) { return true }
        return Date().timeIntervalSince(since) >= indexMaxLag
    }

    /// One bounded indexing transaction; then wakes the searches it satisfied.
    private func indexStep() {
        let outcome: Result<SearchIndexProgress, StoreError>
        do {
            let started = Date()
            outcome = .success(try SearchIndexer.step(db, maxTurns: indexStepTurns))
            let took = Date().timeIntervalSince(started)
            if took > indexStepTarget {
                indexStepTurns = max(1, indexStepTurns / 2)
            } else if took < indexStepTarget / 2 {
                indexStepTurns = min(indexBatch, indexStepTurns * 2)
            }
        } catch {
            outcome = .failure(error)
        }
        var ready: [Waiter<Void>] = []
        var failed: [Waiter<Void>] = []
        condition.lock()
        switch outcome {
        case .success(let progress):
            indexBehind = !progress.isCaughtUp
            backlogSince = progress.isCaughtUp ? nil : Date()
            (indexedThrough, latestTurn) = (progress.indexedThrough, progress.latestTurn)
            indexWaiters.removeAll { entry in
                // Caught up also covers a target above the ids left after a session delete.
                guard entry.target <= progress.indexedThrough || progress.isCaughtUp else { return false }
                ready.append(entry.waiter)
                return true
            }
        case .failure:
            // No retry loop on a persistent error (full disk): the next commit or search retries.
            indexBehind = false
            backlogSince = nil
            failed = indexWaiters.map(\.waiter)
            indexWaiters.removeAll()
        }
        condition.unlock()
        for w in ready { w.deliver(.success(())) }
        if case .failure(let error) = outcome { for w in failed { w.deliver(.failure(error)) } }
    }

    /// Blocks until every turn with an id up to `target` is in the full-text index (or nothing is
    /// left to index). Searches call it when their snapshot shows unindexed turns.
    func awaitSearchIndex(through target: Int64) throws(StoreError) {
        let waiter = Waiter<Void>()
        condition.lock()
        if stopping {
            condition.unlock()
            throw StoreError(.closed, "the store is closed")
        }
        indexWaiters.append((target, waiter))
        condition.signal()
        condition.unlock()
        try waiter.wait().get()
    }

    private func runBatch(_ batch: [WriteJob]) {
        let db = context.db
        do {
            try db.run("BEGIN IMMEDIATE")
        } catch {
            completer.deliver(batch, error: error)
            return
        }
        for job in batch {
            do {
                if !job.deferrable { try context.flushDeferred() }
                if !job.savepoint {
                    context.beginJob(deferrable: job.deferrable)
                    switch job.run(context) {
                    case nil:
                        context.commitJob()
                    case let failure? where failure.kind == .sqlite:
                        abort(batch, failure)
                        return
                    case _?:
                        context.discardJob() // failed its checks before writing anything
                    }
                    continue
                }
                try db.run("SAVEPOINT job")
                context.beginJob(deferrable: job.deferrable)
                if job.run(context) == nil {
                    try db.run("RELEASE job")
                    context.commitJob()
                } else {
                    context.discardJob()
                    try db.run("ROLLBACK TO job")
                    try db.run("RELEASE job")
                }
            } catch {
                // The transaction itself is broken (I/O error, full disk): fail the whole batch.
                abort(batch, error)
                return
            }
        }
        do {
            try context.flushDeferred()
            try db.run("COMMIT")
        } catch {
            abort(batch, error)
            return
        }
        condition.lock()
        committedBatches += 1
        committedJobs += batch.count
        condition.unlock()
        completer.deliver(batch, error: nil)
    }

    private func abort(_ batch: [WriteJob], _ error: StoreError) {
        context.discardBatch()
        if db.isInTransaction { _ = try? db.run("ROLLBACK") }
        completer.deliver(batch, error: error)
    }

    private var db: Database { context.db }
}

/// A type-erased job; its result lives here between running and the commit.
// Safe to share: created on the submitting thread, run by the writer thread, then finished by the
// completion thread after a lock-protected hand-over (see `Completer`).
final class WriteJob: @unchecked Sendable {
    let deferrable: Bool
    let savepoint: Bool
    private let runBody: (WriteContext) -> StoreError?
    private let finishBody: (StoreError?) -> Void

    init<T: Sendable>(deferrable: Bool, savepoint: Bool,
                      body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
                      completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        self.deferrable = deferrable
        self.savepoint = savepoint
        let box = ResultBox<T>()
        runBody = { context in
            do throws(StoreError) {
                box.result = .success(try body(context))
                return nil
            } catch {
                box.result = .failure(error)
                return error
            }
        }
        finishBody = { commitError in
            if let commitError { completion(.failure(commitError)) } else if let result = box.result { completion(result) }
        }
    }

    /// Runs the job; its error, or nil on success.
    func run(_ context: WriteContext) -> StoreError? { runBody(context) }
    func finish(commitError: StoreError?) { finishBody(commitError) }
}

final class ResultBox<T> {
    var result: Result<T, StoreError>?
}

/// Blocks one thread until a result arrives from another.
// Safe to share: `value` is written once under `condition` and read after the signal.
final class Waiter<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Result<T, StoreError>?

    func deliver(_ result: Result<T, StoreError>) {
        condition.lock()
        value = result
        condition.signal()
        condition.unlock()
    }

    func wait() -> Result<T, StoreError> {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
