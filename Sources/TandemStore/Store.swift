import Foundation
import Synchronization

/// Tandem's persistent memory: one writer (group commit) plus a pool of readers over one SQLite file.
///
/// Every domain method here is synchronous and blocks until its write is committed (or its read is
/// done); the hot paths also have completion-callback forms that never block the caller. Methods
/// that act for a user take `actor` (a user id) and check `Permissions` against that user's role.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    /// The single write connection's owner. Exposed so callers can submit their own batched jobs.
    public let writer: StoreWriter
    private let readers: ReaderPool?
    /// The health check's own connection, which pooled reads can never take (nil for `:memory:`).
    private let healthProbe: HealthProbe?
    private let checkpointer: Checkpointer?
    /// The byte of `DB-writers` this store holds locked once it writes a hidden session (nil for
    /// `:memory:` and immutable stores): proof to other processes that its hidden sessions' writer
    /// lives (`ImportOwner`, `WriterLock`).
    private let writerLock: WriterLock?
    /// Indexes turns for search on its own thread (nil for `:memory:`, where searches index).
    private let searchWorker: SearchIndexWorker?
    /// Branches whose merge in steps a thread of this process is running (`mergeInSteps`,
    /// `resumeMerges`): the periodic pickup of stale merges leaves them alone.
    let mergesUnderWay = Mutex<Set<Int64>>([])
    /// What `writeStep` decided after each step so far.
    let stepPauses = Mutex(StepPauseCounts())
    /// The files' free space, and what was given back online (`DiskReclaim`).
    public let diskSpace = DiskSpace()
    /// The pauses after steps of background work so far, by reason (for benchmarks and tests).
    public var stepPauseCounts: StepPauseCounts { stepPauses.withLock { $0 } }

    /// Opens (creating and migrating as needed) the database described by `configuration`.
    /// Throws `schema_too_new` when the file was written by a newer build.
    public init(_ configuration: StoreConfiguration) throws(StoreError) {
        try SearchIndexLayout.validate(configuration.searchPrefixIndex)
        self.configuration = configuration
        let db = try Database(path: configuration.openName, readOnly: configuration.immutable,
                              requireWritable: configuration.requiresWritable,
                              synchronous: configuration.synchronous,
                              busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                              cacheBytes: configuration.cacheBytes)
        try Migrations.migrate(db, now: configuration.clock(), upgrade: configuration.migrates)
        let checkpoints = !configuration.isMemory && !configuration.immutable && configuration.checkpointIntervalMilliseconds > 0
        if checkpoints {
            // The writer checkpoints itself only if the checkpointer falls far behind.
            try db.execute("PRAGMA wal_autocheckpoint=\(Checkpointer.writerFallbackPages)")
            try db.execute("PRAGMA journal_size_limit=\(64 << 20)")
        }
        if configuration.isMemory {
            // One connection holds everything: the index is attached to the writer's.
            try SearchFile.attach(db, databasePath: configuration.path)
            try SearchFile.prepare(db, inMemory: true, automerge: configuration.searchIndexAutomerge,
                                   layout: configuration.searchIndexLayout)
        }
        // Imports, forks and template sessions whose writer is gone (`ImportReclaim`), and deleted
        // sessions whose rows a previous run had not finished removing.
        // Read first: the update takes the write lock, which a tool's read-only command must not wait for.
        if !configuration.immutable {
            let due = try ImportReclaim.due(db, databasePath: configuration.path, now: configuration.clock())
            if !due.isEmpty {
                do throws(StoreError) {
                    try db.transaction { () throws(StoreError) in _ = try ImportReclaim.handOver(db, due) }
                } catch where error.sqliteCode == 8 /* SQLITE_READONLY */ {
                    // A tool that may only read the file: the next writable open hands them over.
                }
            }
        }
        var deletesLeft = false
        var mergesLeft = false
        if !configuration.immutable {
            deletesLeft = try db.scalar("SELECT 1 FROM sessions WHERE status = '\(SessionReaper.status)' LIMIT 1") != nil
            mergesLeft = try db.scalar("SELECT 1 FROM branch_merges LIMIT 1") != nil
        }
        let space = diskSpace
        let mainPages = try DiskReclaim.read(db)
        space.note(.main, mainPages)
        // Only a file an operator converted (`Store.compact`: auto_vacuum INCREMENTAL) gives pages
        // back; its mode changes only by a VACUUM (`tandem-admin compact`, refused while tandemd
        // runs), so it is read once. On a NONE file (the default: no pointer-map upkeep on every
        // write) the chore never reclaims, nor reads the free list.
        let reclaimMin = configuration.isMemory || configuration.immutable || !mainPages.incremental
            ? nil : configuration.reclaimFreeBytes
        let reclaimPages = configuration.reclaimStepPages
        let reclaimDue = DiskReclaim.isWorthReclaiming(mainPages, minBytes: reclaimMin)
        let stepRows = configuration.deleteStepRows
        // The writer's chore: first drop the search-index notes the index has applied, then
        // remove deleted sessions' rows, then give free pages back to the file system
        // (`DiskReclaim`); one bounded step at a time (`WriterChore`).
        let applied = AppliedForgets()
        let lastStamp = try WriteStamps.recover(db)
        // Started after the last read that can throw: one throwing with this thread running left
        // it running for good (an init that throws before every property is set runs no deinit).
        let checkpointer = checkpoints ? try Checkpointer(configuration: configuration) : nil
        self.checkpointer = checkpointer
        let walWatch = checkpointer
        let chore = WriterChore(due: deletesLeft || reclaimDue, pause: configuration.stepPause, adaptive: configuration.adaptiveStepPause,
                                walIsLong: { walWatch?.walIsLong ?? false }) { ctx throws(StoreError) in
            if try SearchIndexer.prune(ctx.db, through: applied.through, maxRows: stepRows) > 0 { return true }
            if try SessionReaper.step(ctx, maxRows: stepRows) { return true }
            guard reclaimMin != nil else { return false }
            return try DiskReclaim.round(ctx.db, file: .main, space: space, minBytes: reclaimMin, maxPages: reclaimPages)
        }
        // The lock a hidden session's writer holds while this store is open (taken at the first one).
        let writerLock = configuration.isMemory || configuration.immutable ? nil : WriterLock(databasePath: configuration.path)
        self.writerLock = writerLock
        let writer = StoreWriter(database: db, configuration: configuration, chore: chore, writerLock: writerLock,
                                 checkpoints: configuration.walRestartPages > 0 ? checkpointer?.passes : nil,
                                 lastStamp: lastStamp)
        self.writer = writer
        // Space freed by anything but a delete's steps (a clear, a discarded branch): the
        // checkpointer reads the free list about once a second (for /metrics on any file), and
        // wakes the chore when it is worth giving back.
        checkpointer?.watchFreePages(space: space, minBytes: reclaimMin) { [weak writer] in writer?.noteChoreWork() }
        if configuration.isMemory || !configuration.opensSearchFile {
            searchWorker = nil
        } else {
            do {
                let worker = try SearchIndexWorker(configuration: configuration, diskSpace: space) { [weak writer] appliedThrough in
                    applied.raise(to: appliedThrough)
                    writer?.noteChoreWork()
                }
                writer.observeCommits { [weak worker] latest, deleted in
                    worker?.noteCommitted(latestTurn: latest, forgets: deleted)
                }
                searchWorker = worker
            } catch {
                writer.close()
                checkpointer?.close()
                throw error
            }
        }
        readers = configuration.isMemory ? nil : ReaderPool(configuration: configuration)
        healthProbe = configuration.isMemory ? nil : HealthProbe(configuration: configuration)
        // Merges a previous process left under way (it was killed between steps): finished now,
        // the two sessions held until then. (Looked for before the writer took the connection.)
        if mergesLeft && configuration.resumesMergesAtOpen {
            do throws(StoreError) {
                try resumeMerges()
            } catch where error.sqliteCode == 8 /* SQLITE_READONLY */ {
                // A tool that may only read the file: the merge waits for a writable open.
            } catch {
                close()
                throw error
            }
        }
    }

    /// Convenience: a store on `path` with default settings.
    public convenience init(path: String) throws(StoreError) {
        try self.init(StoreConfiguration(path: path))
    }

    /// A store that is dropped without `close()` still finishes its queued writes.
    deinit { close() }

    /// Finishes queued writes and closes the connections. Idempotent.
    public func close() {
        searchWorker?.close()
        writer.close()
        // After the last write: the hidden sessions it was writing can be finished by no one now.
        writerLock?.release()
        checkpointer?.close()
        readers?.closeAll()
    }

    /// Whether the WAL has grown past half the writer's own checkpoint bound: background work
    /// (delete steps, import and fork steps) then waits for the checkpointer to catch up.
    var walIsLong: Bool { checkpointer?.walIsLong ?? false }

    /// WAL checkpoints run by the background checkpointer (0 when it is off).
    var checkpointsRun: Int { checkpointer?.completedRuns ?? 0 }

    /// The checkpointer's last pass that was not busy (nil when it is off).
    var lastCheckpointPass: CheckpointPass? { checkpointer?.passes.latest }

    /// Checkpoints the writer ran to start the WAL over (`WALRestart`).
    var walRestartsRun: Int { writer.walRestarts }

    /// Blocks until the search index covers every turn up to `target` (and every session delete
    /// committed before the call).
    func awaitSearchIndex(through target: Int64) throws(StoreError) {
        if let searchWorker { return try searchWorker.awaitCaughtUp(through: target) }
        // In memory the writer's connection holds the index: index everything in one job.
        try write { ctx throws(StoreError) in
            while try !SearchIndexer.step(ctx.db, maxTurns: ctx.configuration.searchIndexBatchTurns).0.isCaughtUp {}
        }
    }

    /// Empties the search index and waits until it is rebuilt from every committed turn.
    func resetSearchIndex() throws(StoreError) {
        if let searchWorker { return try searchWorker.rebuild() }
        try write { ctx throws(StoreError) in
            try SearchIndexer.reset(ctx.db, layout: ctx.configuration.searchIndexLayout, automerge: ctx.configuration.searchIndexAutomerge)
        }
        try awaitSearchIndex(through: .max)
    }

    /// Committed turns the search index has not reached yet, as the indexing thread last knew
    /// (no database read; 0 for `:memory:` stores, which index on demand).
    public var searchIndexBacklog: Int64 { searchWorker?.backlog ?? 0 }

    /// Blocks until the writer has removed every deleted session's rows (it does so between
    /// jobs, a step at a time). Throws the error of a step that failed.
    public func finishDeletes() throws(StoreError) {
        try writer.awaitChoreDone()
    }

    /// Hands hidden sessions (imports, forks, sessions from templates) whose writing process is
    /// provably gone, and those not heard from for 10 minutes, to the delete steps
    /// (`ImportReclaim`). Done at every open; a long-running server calls it now and then. Costs
    /// one indexed read when nothing is being written. Returns how many were handed over.
    @discardableResult
    public func abandonStaleImports() throws(StoreError) -> Int {
        let now = self.now
        let path = configuration.path
        let due = try read { db throws(StoreError) in try ImportReclaim.due(db, databasePath: path, now: now) }
        guard !due.isEmpty else { return 0 }
        return try write { ctx throws(StoreError) in
            let count = try ImportReclaim.handOver(ctx.db, due)
            if count > 0 { ctx.choreDue = true }
            return count
        }
    }

    /// Deleted sessions whose rows are still being removed.
    /// - Parameter readerWait: at most this many seconds waiting for a free reader (then `busy`);
    ///   nil waits as long as it takes.
    public func pendingDeletes(readerWait: Double? = nil) throws(StoreError) -> Int {
        try read(readerWait: readerWait) { db throws(StoreError) in try Store.countPendingDeletes(db) }
    }

    static func countPendingDeletes(_ db: Database) throws(StoreError) -> Int {
        Int(try db.scalar("SELECT count(*) FROM sessions WHERE status = '\(SessionReaper.status)'") ?? 0)
    }

    /// The health check's read (`/healthz`, and `/metrics`' pending-deletes count), on a fresh
    /// read-only connection of its own: exports, searches and history reads holding every pooled
    /// reader never delay it, and a database file that is gone, unreadable or not a database fails
    /// it (a pooled connection would go on reading the file it opened). Probes run one at a time;
    /// one that arrives during another's read takes that read's answer.
    /// - Parameter wait: at most this many seconds waiting for a probe under way (then `busy`).
    public func probeHealth(waitingAtMost wait: Double) throws(StoreError) -> HealthReading {
        if let healthProbe { return try healthProbe.read(waitingAtMost: wait) }
        // `:memory:`: the writer owns the only connection.
        return HealthReading(pendingDeletes: try read { db throws(StoreError) in try Store.countPendingDeletes(db) })
    }

    /// Runs a write job and waits for its commit. `pastQueueLimit`: see `StoreWriter.enqueue` (a
    /// branch merge's steps and end only).
    @discardableResult
    func write<T: Sendable>(deferrable: Bool = false, savepoint: Bool = true, pastQueueLimit: Bool = false, paced: Bool = false,
                            _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T) throws(StoreError) -> T {
        try writer.perform(deferrable: deferrable, savepoint: savepoint, pastQueueLimit: pastQueueLimit, paced: paced, body)
    }

    /// Runs `body` on a reader in one read transaction (a consistent snapshot). For `:memory:`
    /// databases the read runs on the writer, which owns the only connection.
    /// - Parameter readerWait: when every reader is checked out, wait at most this many seconds for
    ///   one, then throw `busy` (nil: wait as long as it takes). Not applied to `:memory:`.
    public func read<T: Sendable>(readerWait: Double? = nil,
                                  _ body: @escaping @Sendable (Database) throws(StoreError) -> T) throws(StoreError) -> T {
        if let readers { return try readers.withReader(waitingAtMost: readerWait, body) }
        return try writer.perform { ctx throws(StoreError) in
            ctx.holds.bypass = true // a read: never held, even on the writer's connection
            return try body(ctx.db)
        }
    }

    /// Copies the live database to `path` with SQLite's online backup API: one consistent snapshot,
    /// while this process's writer (or tandemd's) keeps committing. The search file is not copied
    /// (a database without one rebuilds it at its first open).
    public func backup(to path: String) throws(StoreError) {
        // A reader copies a committed snapshot; the writer keeps committing meanwhile (WAL).
        try read { db throws(StoreError) in try db.backup(to: path) }
    }

    /// The same without opening a store: a read-only connection copies the file as it is, of any
    /// schema version (the backup taken before an upgrade must be the old one), writing nothing to it.
    /// `immutable`: the source is on a read-only file system (see `StoreConfiguration.immutable`).
    public static func backup(databaseAt source: String, to path: String, immutable: Bool = false,
                              busyTimeoutMilliseconds: Int32 = 5_000) throws(StoreError) {
        let db = try Database(path: immutable ? ReadOnlyFileSystem.immutableURI(source) : source, readOnly: true,
                              busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        try db.backup(to: path)
    }

    /// A backup without the free pages: `VACUUM INTO` writes the rows of one read snapshot to a new,
    /// packed file with the source's auto_vacuum mode (a copy of a file `compact` converted gives
    /// freed space back online too; of any other, it costs no write throughput either). Online like
    /// `backup`, and slower: it rebuilds every table and index.
    public static func compactedCopy(databaseAt source: String, to path: String, immutable: Bool = false,
                                     busyTimeoutMilliseconds: Int32 = 5_000) throws(StoreError) {
        let db = try Database(path: immutable ? ReadOnlyFileSystem.immutableURI(source) : source, readOnly: true,
                              busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        try db.run("VACUUM INTO ?", [.text(path)])
    }

    /// The wall clock now, in Unix milliseconds (what expiry instants are checked against; the
    /// times writes stamp never go below an earlier one: `WriteStamps`).
    public var now: Int64 { configuration.clock() }
}

/// The last search-index forget note every index has applied (told by the indexing thread, read
/// by the writer's chore, which prunes the notes up to it).
private final class AppliedForgets: Sendable {
    private let value = Atomic<Int64>(0)
    var through: Int64 { value.load(ordering: .acquiring) }
    func raise(to seq: Int64) { value.max(seq, ordering: .releasing) }
}
