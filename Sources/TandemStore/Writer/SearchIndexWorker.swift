import CSQLite
import Foundation

/// Runs full-text indexing steps (`SearchIndexer.step`) on a thread and connection of its own.
///
/// The index lives in the search file, so a step never holds the main database's write lock:
/// group commits go on while a step runs. On a machine with a spare core it runs beside the
/// writer; on a saturated one it takes its fair share, so the index keeps up with any sustained
/// load (`searchIndexNice` above 0 gives that share away, see docs/store.md).
///
/// Turns are indexed once `searchIndexMinStepTurns` wait or the oldest has waited
/// `searchIndexQuietMilliseconds` (a step over a few turns costs several times more per turn:
/// each flushes an FTS5 segment), then step after step until none is left. A search that finds
/// unindexed turns in its snapshot waits for a step that started after it asked.
// Safe: everything but `db` and `lastFreeListLook` is guarded by `condition`; those two
// are used only by the worker thread after init.
final class SearchIndexWorker: @unchecked Sendable {
    private let thread = BackgroundThread(name: "tandem-index", stackSize: 4 << 20)
    private var condition: MonotonicCondition { thread.condition }
    private let db: Database
    private let background: Bool
    private let batchTurns: Int
    private let minStep: Int64
    private let quiet: Duration
    private let nice: Int32
    /// Called with the last forget entry a step applied (the main database's writer prunes them).
    private let forgotten: @Sendable (Int64) -> Void

    private var latestKnown: Int64 = 0
    /// The highest turn id commits reported since the running step began (0: none). A step's
    /// snapshot is the truth about the turns, these are the ones it may not have seen.
    private var notedDuringStep: Int64 = 0
    private var indexedThrough: Int64 = 0
    private var forgetsPending = false
    // Instants on a monotonic clock, not the wall clock: a step of the system clock must not
    // move when a step is due.
    private var backlogSince: ContinuousClock.Instant?
    private var draining = false
    private var resetRequested = false
    /// After a failed step (full disk, say), background steps wait until then.
    private var retryAfter: ContinuousClock.Instant?
    private var stepsStarted = 0
    private var waiters: [(target: Int64, after: Int, waiter: Waiter<Void>)] = []
    /// Whether merging segments may still shrink the index: set by indexing, cleared once a
    /// merge step finds nothing to do.
    private var untidy = true
    /// When the last commit was noted or the last indexing step ended: merging waits until both
    /// have been quiet for `tidyIdle` (a saturated server has gaps of 100-200 ms between commits).
    /// Nil: neither has happened yet.
    private var lastActivity: ContinuousClock.Instant?
    private let tidyIdle: Duration
    private let tidyPages: Int
    private let layout: SearchIndexLayout
    private let automerge: Int
    /// Where the search file's free pages are counted; given back while tidying (`DiskReclaim`).
    private let diskSpace: DiskSpace
    /// nil: the file is not given back (auto_vacuum NONE, or reclaiming off); its free list is
    /// only read, at most once a second, for /metrics.
    private let reclaimMin: Int?
    private let reclaimPages: Int
    private var lastFreeListLook = ContinuousClock.now

    /// Opens the worker's connection (the main database, with the search file attached and
    /// prepared) and starts its thread. A search file that cannot be used is removed and rebuilt.
    init(configuration: StoreConfiguration, diskSpace: DiskSpace = DiskSpace(),
         forgotten: @escaping @Sendable (Int64) -> Void) throws(StoreError) {
        let open = { () throws(StoreError) -> Database in
            // It reads only turns committed moments ago (in the WAL and the OS cache): a small page
            // cache for `main`. The search file gets as much: with SQLite's default (2 MiB) a
            // 1,000-turn step spilled dirty pages to the WAL before its commit.
            let cacheBytes = min(configuration.cacheBytes, 8 << 20)
            let db = try Database(path: configuration.path, synchronous: configuration.synchronous,
                                  busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                                  cacheBytes: cacheBytes)
            try SearchFile.attach(db, databasePath: configuration.path, cacheBytes: cacheBytes)
            try SearchFile.prepare(db, inMemory: false, automerge: configuration.searchIndexAutomerge,
                                   layout: configuration.searchIndexLayout)
            return db
        }
        do {
            db = try open()
        } catch where SearchFile.isDamaged(error) {
            // Only a damaged file goes: another process (tandem-admin beside tandemd) may be using
            // a healthy one, and a busy or unreadable file is not fixed by deleting it.
            SearchFile.remove(databasePath: configuration.path)
            db = try open()
        }
        background = configuration.indexTurnsForSearch
        batchTurns = max(1, configuration.searchIndexBatchTurns)
        minStep = Int64(max(1, configuration.searchIndexMinStepTurns))
        quiet = .milliseconds(max(0, configuration.searchIndexQuietMilliseconds))
        nice = configuration.searchIndexNice
        tidyPages = max(1, configuration.searchIndexTidyPages)
        layout = configuration.searchIndexLayout
        automerge = configuration.searchIndexAutomerge
        tidyIdle = .milliseconds(max(0, configuration.searchIndexTidyIdleMilliseconds))
        self.forgotten = forgotten
        self.diskSpace = diskSpace
        let searchPages = try DiskReclaim.read(db, schema: "search")
        diskSpace.note(.search, searchPages)
        reclaimMin = searchPages.incremental ? configuration.reclaimFreeBytes : nil
        reclaimPages = configuration.reclaimStepPages
        let progress = try db.transaction(immediate: false) { () throws(StoreError) in try SearchIndexer.progress(db) }
        (indexedThrough, latestKnown) = (progress.indexedThrough, progress.latestTurn)
        forgetsPending = progress.pendingForgets > 0
        if progress.indexedThrough < progress.latestTurn { backlogSince = .now }
        // A rebuild beside the index in use (an older file): step until it is done.
        draining = progress.rebuilding
        thread.start { self.loop() }
    }

    /// Committed turns not yet indexed, as far as this worker knows.
    var backlog: Int64 {
        condition.lock()
        defer { condition.unlock() }
        return max(0, latestKnown - indexedThrough)
    }

    /// The writer committed; the highest turn id is now `latestTurn`, and with `forgets` it deleted sessions.
    func noteCommitted(latestTurn: Int64, forgets: Bool) {
        condition.lock()
        var newBacklog = false
        notedDuringStep = max(notedDuringStep, latestTurn)
        lastActivity = .now
        if latestTurn > latestKnown {
            latestKnown = latestTurn
            if backlogSince == nil && latestKnown > indexedThrough {
                backlogSince = .now
                newBacklog = true
            }
        }
        if forgets { forgetsPending = true }
        // A new backlog starts the quiet-time clock the thread sleeps on.
        if background && (newBacklog || isDue()) { condition.signal() }
        condition.unlock()
    }

    /// Blocks until a step that started after this call has run and the index covers every turn
    /// up to `target` (or nothing was left to index).
    func awaitCaughtUp(through target: Int64) throws(StoreError) {
        let waiter = Waiter<Void>()
        condition.lock()
        if thread.isStopping {
            condition.unlock()
            throw StoreError(.closed, "the store is closed")
        }
        waiters.append((target, stepsStarted, waiter))
        condition.signal()
        condition.unlock()
        try waiter.wait().get()
    }

    /// Empties the index, then waits until it is rebuilt from every committed turn.
    func rebuild() throws(StoreError) {
        condition.lock()
        resetRequested = true
        let target = latestKnown
        condition.unlock()
        try awaitCaughtUp(through: target)
    }

    /// Stops the thread after the step in progress and closes its connection; waiting searches
    /// fail with `closed`.
    func close() {
        thread.stop()
    }

    /// Under `condition`: whether background indexing should run a step now.
    private func isDue() -> Bool {
        if let retryAfter, retryAfter > .now { return false }
        if forgetsPending || draining { return true }
        let backlog = latestKnown - indexedThrough
        guard backlog > 0, let since = backlogSince else { return false }
        return backlog >= minStep || ContinuousClock.now - since >= quiet
    }

    private func loop() {
        lowerPriority()
        condition.lock()
        while true {
            var tidyNow = false
            while !thread.isStopping && waiters.isEmpty && !resetRequested && !(background && isDue()) {
                if background, let since = backlogSince {
                    let due = max(since + quiet, retryAfter ?? since)
                    condition.wait(seconds: (due - .now).timeInterval)
                } else if background && untidy {
                    // Caught up: once the store has been idle for a while, merge segments (one
                    // short transaction at a time, so a search or a new backlog waits little).
                    let now = ContinuousClock.now
                    guard let idle = lastActivity.map({ $0 + tidyIdle }), now < idle else {
                        tidyNow = true
                        break
                    }
                    condition.wait(seconds: (idle - now).timeInterval)
                } else {
                    condition.wait()
                }
            }
            if thread.isStopping { break }
            if tidyNow {
                condition.unlock()
                // A failed merge is not retried until the next indexing step: it is only tidying.
                // Once merging finds nothing to do, the free pages it and deletes left are given
                // back, a step at a time like the merges (a deferred transaction: the search file's
                // write lock only, never the main file's).
                var merged = (try? SearchIndexer.tidy(db, pages: tidyPages)) ?? false
                if !merged && reclaimMin != nil {
                    merged = (try? db.transaction(immediate: false) { () throws(StoreError) -> Bool in
                        try DiskReclaim.round(db, schema: "search", file: .search, space: diskSpace,
                                              minBytes: reclaimMin, maxPages: reclaimPages)
                    }) ?? false
                } else if !merged && ContinuousClock.now - lastFreeListLook >= .seconds(1) {
                    lastFreeListLook = .now
                    if let pages = try? DiskReclaim.read(db, schema: "search") { diskSpace.note(.search, pages) }
                }
                condition.lock()
                untidy = merged
                continue
            }
            let reset = resetRequested
            resetRequested = false
            stepsStarted += 1
            notedDuringStep = 0
            let number = stepsStarted
            condition.unlock()
            let outcome = Result { () throws(StoreError) -> (SearchIndexProgress, forgotThrough: Int64?) in
                if reset { try SearchIndexer.reset(db, layout: layout, automerge: automerge) }
                return try SearchIndexer.step(db, maxTurns: batchTurns)
            }
            if case .success(let (_, forgotThrough?)) = outcome { forgotten(forgotThrough) }
            condition.lock()
            let (ready, failed) = record(step: number, outcome)
            condition.unlock()
            for waiter in ready { waiter.deliver(.success(())) }
            if case .failure(let error) = outcome { for waiter in failed { waiter.deliver(.failure(error)) } }
            condition.lock()
        }
        let left = waiters
        waiters.removeAll()
        // Closed before `close()` returns, not when this thread lets go of the worker.
        db.close()
        thread.finish()
        condition.unlock()
        for entry in left { entry.waiter.deliver(.failure(StoreError(.closed, "the store is closed"))) }
    }

    /// Under `condition`: records a step's outcome; returns the searches it satisfied and those
    /// it failed (woken by the caller, outside the lock).
    private func record(step number: Int, _ outcome: Result<(SearchIndexProgress, forgotThrough: Int64?), StoreError>)
        -> (ready: [Waiter<Void>], failed: [Waiter<Void>]) {
        var ready: [Waiter<Void>] = []
        var failed: [Waiter<Void>] = []
        switch outcome {
        case .success(let (progress, _)):
            indexedThrough = progress.indexedThrough
            // Not max with the old value: after a session delete the highest ids are gone.
            latestKnown = max(progress.latestTurn, notedDuringStep)
            forgetsPending = false
            retryAfter = nil
            untidy = true
            lastActivity = .now
            let caughtUp = indexedThrough >= latestKnown
            // A rebuild under way keeps the steps coming (each adds a batch to the new index).
            draining = !caughtUp || progress.rebuilding
            backlogSince = caughtUp ? nil : (backlogSince ?? .now)
            waiters.removeAll { entry in
                // Caught up also covers a target above the ids left after a session delete.
                guard entry.after < number, entry.target <= progress.indexedThrough || progress.isCaughtUp else { return false }
                ready.append(entry.waiter)
                return true
            }
        case .failure:
            // No busy loop on a persistent error: background steps pause, searches still retry.
            retryAfter = .now + .seconds(1)
            failed = waiters.filter { $0.after < number }.map(\.waiter)
            waiters.removeAll { $0.after < number }
        }
        return (ready, failed)
    }

    private func lowerPriority() {
        guard nice > 0 else { return }
        // Per-thread on Linux: `who` is this thread's id. Raising the value needs no privilege.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(gettid()), nice)
    }
}
