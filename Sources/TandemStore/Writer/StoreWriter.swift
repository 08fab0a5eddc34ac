import Foundation
import Synchronization

/// The single owner of the write connection, with group commit.
///
/// Callers submit jobs; the writer thread takes everything queued (up to `maxBatchJobs`), runs the
/// jobs in ONE transaction, each inside its own SAVEPOINT so a failing job rolls back alone, commits,
/// and only then reports each job's result: a success result means the write is committed (durable
/// to the degree `synchronous` promises).
///
/// Full-text indexing of turns is not part of those transactions: after each commit the writer
/// tells `commitObserver` the highest turn id, and the search index catches up on its own (see
/// `SearchIndexWorker`).
///
/// A job that asks for a session a branch merge holds (`SessionHolds`) is undone and *parked*:
/// it runs again, in its order among the parked, once the hold is lifted; its completion waits.
///
/// Between jobs the writer runs its chore (removing deleted sessions' rows), one bounded step
/// per transaction of its own; `WriterChore` says when.
// Safe: queue, held, parked, the counters, flags and commitObserver are guarded by `condition`; `seenPass` and `context`
// (with its Database) are touched only by the writer thread after init.
public final class StoreWriter: @unchecked Sendable {
    let thread = BackgroundThread(name: "tandem-writer", stackSize: 4 << 20)
    var condition: MonotonicCondition { thread.condition }
    let completer: Completer
    var queue: [WriteJob] = []
    /// Jobs queued with `wake: false`, not yet handed to the writer (see `enqueue`).
    var held: [WriteJob] = []
    /// Jobs parked on a held session (the sid), oldest first (see `SessionHolds`).
    var parked: [(job: WriteJob, sid: Int64)] = []
    /// How many of `parked` block their caller's thread (`WriteJob.blocksCaller`).
    var parkedBlocking = 0
    /// `StoreConfiguration.maxBlockedOnMerges`.
    private let maxBlockedOnMerges: Int
    /// `StoreConfiguration.mergeWait` (see StoreWriter+MergeWait.swift).
    private let mergeWait: MergeWaitPolicy?
    /// Set by `refuseParked`: jobs that would park are answered with this instead.
    private var parkingRefusal: StoreError?
    let context: WriteContext
    private let maxBatch: Int
    let maxQueued: Int
    /// For a store opened `immutable`: every job's answer, said before it runs (SQLite's own refusal,
    /// "attempt to write a readonly database", does not say why).
    let readOnlyRefusal: StoreError?

    private var committedBatches = 0
    /// Told after each commit: the highest turn id in the database, and whether the batch deleted
    /// sessions.
    private var commitObserver: (@Sendable (_ latestTurn: Int64, _ sessionsDeleted: Bool) -> Void)?
    private var committedJobs = 0
    /// Jobs answered, and transactions that waited for another connection's lock, so far (see
    /// `WriterActivity`): what background work in steps paces itself by (`StepPause`).
    private var servedJobs = 0
    /// When the writer last answered a job that is not a paced step (nil: never).
    private var lastServedAt: ContinuousClock.Instant?
    private var lockWaits = 0

    /// Work between jobs (nil: none).
    private let chore: WriterChore?
    /// The checkpointer's passes, after which the writer starts the WAL over (nil: never; `WALRestart`).
    private let checkpoints: CheckpointPasses?
    /// The last pass the writer looked at (writer thread only).
    private var seenPass = 0
    /// Checkpoints the writer ran to start the WAL over (under `condition`).
    private var restarts = 0
    /// Set by `noteChoreWork` (any thread), handed to `chore` by the writer thread.
    private var choreNoted = false
    /// Set by `lookForOtherCommits` (any thread): the writer looks between batches.
    private var lookAsked = false

    /// Whether storage refused the last write it was given (what `/healthz` tells monitoring).
    public let storage = StorageRefusals()

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

    init(database: Database, configuration: StoreConfiguration, chore: WriterChore? = nil, writerLock: WriterLock? = nil,
         checkpoints: CheckpointPasses? = nil, lastStamp: Int64 = 0) {
        context = WriteContext(db: database, configuration: configuration, writerLock: writerLock, lastStamp: lastStamp)
        self.chore = chore
        self.checkpoints = checkpoints
        completer = Completer(scope: configuration.completionScope)
        maxBatch = max(1, configuration.maxBatchJobs)
        maxQueued = max(1, configuration.maxQueuedJobs)
        maxBlockedOnMerges = max(0, configuration.maxBlockedOnMerges)
        mergeWait = configuration.mergeWait
        readOnlyRefusal = configuration.immutable ? StoreError(.sqlite, """
            the database \(configuration.path) is on a read-only file system and was opened for reading only \
            (SQLite immutable=1): nothing can be written to it; remount it read-write to change it
            """, sqliteCode: 8 /* SQLITE_READONLY */) : nil
        thread.start { self.loop() }
    }

    /// Finishes queued work, then stops the thread and closes its connection. Later submissions
    /// fail with `closed`.
    public func close() {
        thread.stop(whileStopping: releaseHeld)
        completer.close()
    }

    /// The writer's counters now, with the jobs queued for it (see `WriterActivity`; differences
    /// of two readings say what happened between them).
    var activity: WriterActivity {
        condition.lock()
        defer { condition.unlock() }
        return WriterActivity(served: servedJobs, lockWaits: lockWaits, queued: queue.count + held.count, lastServed: lastServedAt)
    }

    /// How many of the writer's looks found that another connection (another process:
    /// `tandem-admin`) had committed since the one before: each batch's start looks, and an idle
    /// writer looks when `lookForOtherCommits` asks. Unchanged between two readings, with a look
    /// asked for after the first, means no one else committed before that look.
    /// (The count is atomic; the context's other state stays the writer thread's.)
    public var otherCommitsSeen: Int { context.otherCommits.load(ordering: .acquiring) }

    /// Asks the writer to look for other connections' commits (`PRAGMA data_version`, no page
    /// read) at once when idle, else at its next batch's start, which looks anyway.
    public func lookForOtherCommits() {
        condition.lock()
        lookAsked = true
        condition.signal()
        condition.unlock()
    }

    /// Sets what to tell after each commit (see `commitObserver`).
    func observeCommits(_ observer: @escaping @Sendable (_ latestTurn: Int64, _ sessionsDeleted: Bool) -> Void) {
        condition.lock()
        commitObserver = observer
        condition.unlock()
    }

    /// Answers every parked job with `error` now, and every job that would park from now on (a
    /// server stopping: its work threads must not wait for a merge that may never end in this
    /// process, one a process that died left for the once-a-minute pickup, which has stopped).
    public func refuseParked(_ error: StoreError) {
        condition.lock()
        parkingRefusal = error
        let stranded = parked.map(\.job)
        parked.removeAll()
        parkedBlocking = 0
        condition.unlock()
        completer.deliver(stranded, error: error)
    }

    /// Tells the writer (from any thread) that its chore may have work again.
    func noteChoreWork() {
        condition.lock()
        choreNoted = true
        condition.signal()
        condition.unlock()
    }

    /// Blocks until the chore has nothing left (see `WriterChore.awaitDone`).
    func awaitChoreDone() throws(StoreError) {
        try chore?.awaitDone()
    }

    private func loop() {
        while true {
            condition.lock()
            var runChore = false
            var pollHolds = false
            while !thread.isStopping {
                if choreNoted {
                    choreNoted = false
                    chore?.noteWork()
                }
                if lookAsked { break }
                // Parked jobs wait for a hold that another process may lift: look again now and then.
                let poll: Double? = parked.isEmpty ? nil : Self.parkedPollSeconds
                let others = WriterActivity(served: servedJobs, lockWaits: lockWaits, lastServed: lastServedAt)
                guard let wait = chore?.wait(idle: queue.isEmpty, writerDid: others) else {
                    if !queue.isEmpty { break }
                    if let poll {
                        if !condition.wait(seconds: poll) && queue.isEmpty { pollHolds = true; break }
                    } else {
                        condition.wait()
                    }
                    continue
                }
                if wait <= .zero { runChore = true; break }
                if !queue.isEmpty { break }
                if let poll, poll < wait.timeInterval {
                    if !condition.wait(seconds: poll) && queue.isEmpty { pollHolds = true; break }
                } else {
                    condition.wait(seconds: wait.timeInterval)
                }
            }
            if queue.isEmpty && thread.isStopping {
                chore?.stop()
                // Closed before `close()` returns, not when this thread lets go of the writer.
                context.db.close()
                thread.finish()
                let stranded = parked.map(\.job)
                parked.removeAll()
                parkedBlocking = 0
                condition.unlock()
                completer.deliver(stranded, error: StoreError(.closed, "the store closed while the write waited for a branch merge"))
                return
            }
            let waits = mergeWait.map { takeMergeWaitsDue($0, now: .now) }
            let take = min(queue.count, maxBatch)
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            let look = lookAsked
            lookAsked = false
            condition.unlock()
            if let mergeWait, let waits, !waits.isEmpty { answerMergeWaits(waits, mergeWait) }
            if runChore, let chore { runStep(of: chore) }
            if !batch.isEmpty || (pollHolds && parkedHoldLifted()) {
                runBatch(batch)
            } else if look && !runChore {
                // A failed look is made again by the next batch (or asked again).
                try? context.lookForOtherCommits()
            }
            restartWALIfDue()
        }
    }

    /// After the batch's completions are handed on, so no answer waits for it: checkpoints when
    /// `WALRestart` says the time is right (the next transaction then starts the WAL over).
    private func restartWALIfDue() {
        guard let checkpoints else { return }
        let pass = checkpoints.latest
        defer { seenPass = pass.number }
        guard WALRestart.isDue(pass, seenPass: seenPass, pages: checkpoints.restartPages) else { return }
        // Busy (the checkpointer began its next pass) or failed: the next pass tries again.
        guard let busy = try? context.db.queryOne("PRAGMA wal_checkpoint(PASSIVE)", [], { $0.int(0) }), busy == 0 else { return }
        condition.lock()
        restarts += 1
        condition.unlock()
    }

    /// Checkpoints the writer ran to start the WAL over (for tests).
    var walRestarts: Int {
        condition.lock()
        defer { condition.unlock() }
        return restarts
    }

    /// One chore step, as a batch of one job.
    private func runStep(of chore: WriterChore) {
        let started = ContinuousClock.now
        let outcome = StepOutcome()
        let job = WriteJob(deferrable: false, savepoint: true, paced: true, body: { ctx throws(StoreError) in
            do throws(StoreError) {
                let more = try chore.step(ctx)
                outcome.value = .success(more)
                return more
            } catch {
                outcome.value = .failure(error)
                throw error
            }
        }, completion: { _ in })
        let commitError = runBatch([job])
        condition.lock()
        let others = WriterActivity(served: servedJobs, lockWaits: lockWaits)
        condition.unlock()
        chore.finished(started: started, commitError.map { .failure($0) } ?? outcome.value ?? .success(false), writerDid: others)
    }

    /// Runs `batch` in one transaction; returns the error that failed the whole batch, if any.
    @discardableResult
    private func runBatch(_ batch: [WriteJob]) -> StoreError? {
        let db = context.db
        context.choreDue = false
        var parkedNow: [(job: WriteJob, sid: Int64)] = []
        // Jobs that asked for a held session while too many callers already wait on merges:
        // refused (after their undo) instead of parked.
        var refused: [WriteJob] = []
        var blocked: Int
        do {
            let retries = db.busyRetries
            try db.run("BEGIN IMMEDIATE")
            // This is the process's only writer: a BEGIN that had to wait, waited for another
            // process's write.
            let waited = db.busyRetries > retries
            try context.holds.reload(db)
            try context.beginTransaction()
            condition.lock()
            if waited { lockWaits += 1 }
            context.holds.waiting = Set(parked.map(\.sid))
            blocked = parkedBlocking
            condition.unlock()
        } catch {
            discardTransaction()
            storage.note(error)
            completer.deliver(batch, error: error)
            return error
        }
        /// A job undone because it asked for held session `sid`: parked, or refused when too
        /// many callers already wait on merges.
        func park(_ job: WriteJob, on sid: Int64) {
            if job.blocksCaller && blocked >= maxBlockedOnMerges {
                refused.append(job)
                return
            }
            if job.blocksCaller { blocked += 1 }
            parkedNow.append((job, sid))
            context.holds.waiting.insert(sid)
        }
        for job in batch {
            do {
                if !job.deferrable { try context.flushDeferred() }
                if !job.savepoint {
                    context.beginJob(deferrable: job.deferrable)
                    let failure = job.run(context)
                    if let sid = context.holds.parkedOn {
                        if let failure, failure.kind != .sqlite {
                            // Refused by its checks, before its first write: nothing to undo.
                            context.discardJob()
                            park(job, on: sid)
                            continue
                        }
                        // It went on past the refusal (and may have written): only the whole
                        // transaction undoes it. Parked behind the jobs this batch parked before
                        // it (undone already, so parked here rather than again by the rerun, which
                        // would put them behind it), and the batch runs again without them all.
                        discardTransaction()
                        var out = parkedNow
                        if job.blocksCaller && blocked >= maxBlockedOnMerges {
                            completer.deliver([job], error: Self.tooManyWaiting(maxBlockedOnMerges))
                        } else {
                            out.append((job, sid))
                        }
                        condition.lock()
                        let refusal = parkingRefusal
                        if refusal == nil {
                            parked.append(contentsOf: out)
                            parkedBlocking += out.reduce(0) { $0 + ($1.job.blocksCaller ? 1 : 0) }
                        }
                        condition.unlock()
                        if let refusal { completer.deliver(out.map(\.job), error: refusal) }
                        let apart = Set(out.map { ObjectIdentifier($0.job) } + [ObjectIdentifier(job)])
                        return runBatch(batch.filter { !apart.contains(ObjectIdentifier($0)) })
                    }
                    switch failure {
                    case nil:
                        context.commitJob()
                    case let failure? where failure.kind == .sqlite:
                        // A statement failed halfway through: only the whole transaction can undo the
                        // job's writes. It fails alone; the rest of the batch runs again without it.
                        storage.note(failure)
                        discardTransaction()
                        noteServed(job.paced ? 0 : 1)
                        completer.deliver([job], error: nil)
                        return runBatch(batch.filter { $0 !== job })
                    case _?:
                        context.discardJob() // failed its checks before writing anything
                    }
                    continue
                }
                try db.run("SAVEPOINT job")
                context.beginJob(deferrable: job.deferrable)
                let failure = job.run(context)
                if let sid = context.holds.parkedOn {
                    // It asked for a held session: undone whatever it did, to run after the merge.
                    context.discardJob()
                    try db.run("ROLLBACK TO job")
                    try db.run("RELEASE job")
                    if context.holds.changedByJob { try context.holds.reload(db) }
                    park(job, on: sid)
                    continue
                }
                if let failure {
                    if context.holds.changedByJob { try context.holds.reload(db) }
                    storage.note(failure)
                    context.discardJob()
                    try db.run("ROLLBACK TO job")
                    try db.run("RELEASE job")
                } else {
                    try db.run("RELEASE job")
                    context.commitJob()
                }
            } catch {
                // The transaction itself is broken (I/O error, full disk): fail the whole batch.
                abort(batch, error)
                return error
            }
        }
        let latestTurn: Int64
        do {
            try context.flushDeferred(endOfBatch: true)
            // What the search index has to reach. Read here rather than tracked by every statement
            // that inserts turns (append, import, branch, merge): one rowid-index lookup per commit,
            // and right after a delete too, when new turns reuse lower ids.
            latestTurn = try db.scalar("SELECT max(id) FROM turns") ?? 0
            try db.run("COMMIT")
        } catch {
            abort(batch, error)
            return error
        }
        let deleted = context.sessionsDeleted
        context.sessionsDeleted = false
        if context.choreDue { chore?.noteWork() }
        storage.committed()
        condition.lock()
        committedBatches += 1
        committedJobs += batch.count - parkedNow.count
        // Paced steps are not served others (one parked or refused is then subtracted twice: the
        // count only tells pauses apart, and errs on the side of none).
        noteServedUnderLock(batch.count - parkedNow.count - refused.count - batch.reduce(0) { $0 + ($1.paced ? 1 : 0) })
        let observer = commitObserver
        let refusal = parkingRefusal
        if refusal == nil {
            parked.append(contentsOf: parkedNow)
            parkedBlocking += parkedNow.reduce(0) { $0 + ($1.job.blocksCaller ? 1 : 0) }
        }
        releaseParked()
        condition.unlock()
        if let refusal, !parkedNow.isEmpty { completer.deliver(parkedNow.map(\.job), error: refusal) }
        if parkedNow.isEmpty && refused.isEmpty {
            completer.deliver(batch, error: nil)
        } else {
            let apart = Set((parkedNow.map(\.job) + refused).map { ObjectIdentifier($0) })
            completer.deliver(batch.filter { !apart.contains(ObjectIdentifier($0)) }, error: nil)
            if !refused.isEmpty { completer.deliver(refused, error: Self.tooManyWaiting(maxBlockedOnMerges)) }
        }
        observer?(latestTurn, deleted)
        return nil
    }

    /// Moves the parked jobs whose session is no longer held to the front of the queue, in their
    /// order. Under `condition`, after a commit (the holds are then the table's).
    private func releaseParked() {
        guard !parked.isEmpty else { return }
        let holds = context.holds
        let free = parked.filter { !holds.isHeld($0.sid) }
        guard !free.isEmpty else { return }
        parked.removeAll { !holds.isHeld($0.sid) }
        parkedBlocking -= free.reduce(0) { $0 + ($1.job.blocksCaller ? 1 : 0) }
        queue.insert(contentsOf: free.map(\.job), at: 0)
        condition.signal()
    }

    /// How often the writer reads the holds again while jobs are parked and nothing else runs (a
    /// hold lifted by another process is seen no later than this; `parkedHoldLifted`).
    static let parkedPollSeconds = 0.1

    /// The answer to a write that would block its caller on a held session while `limit` others
    /// already do (nothing of it was written).
    static func tooManyWaiting(_ limit: Int) -> StoreError {
        StoreError(.busy, """
            the session is being merged into (a branch merge in steps) and \(limit) requests already wait for the merge \
            (server setting max-merge-waits): nothing was written; retry when the merge ends
            """)
    }

    /// Counts `count` jobs answered outside a commit (see `servedJobs`).
    private func noteServed(_ count: Int) {
        condition.lock()
        noteServedUnderLock(count)
        condition.unlock()
    }

    /// `noteServed` with `condition` held.
    private func noteServedUnderLock(_ count: Int) {
        guard count > 0 else { return }
        servedJobs += count
        lastServedAt = .now
    }

    private func abort(_ batch: [WriteJob], _ error: StoreError) {
        storage.note(error)
        discardTransaction()
        completer.deliver(batch, error: error)
    }

    private func discardTransaction() {
        context.discardBatch()
        context.sessionsDeleted = false
        if db.isInTransaction { _ = try? db.run("ROLLBACK") }
    }

    private var db: Database { context.db }
}
