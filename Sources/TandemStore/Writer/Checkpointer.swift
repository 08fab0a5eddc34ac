import Foundation
import Synchronization

/// Copies the WAL back into the database file on its own thread and connection, so the writer
/// never stalls a commit on a checkpoint.
///
/// With SQLite's default, the connection whose commit pushes the WAL past 1,000 pages runs the
/// checkpoint inside that commit: it copies the pages and fsyncs the database file, and every
/// append queued behind it waits (the long tail of post-to-delivery latency). Here the writer's
/// automatic checkpoint is raised to a high safety bound and this thread runs a PASSIVE
/// checkpoint every `checkpointIntervalMilliseconds`; PASSIVE never blocks the writer or readers.
/// Durability is unchanged: a checkpoint only moves committed pages from the WAL to the file.
// Safe: `runs` is guarded by `condition`; the Database and `lastWatch` are used only by
// the checkpoint thread after init.
final class Checkpointer: @unchecked Sendable {
    /// Pages the writer lets the WAL reach before it checkpoints itself: when this thread lags, and
    /// under commits that never pause (the WAL only starts over after a checkpoint that no commit
    /// overtook, which this thread does not win against a commit every few milliseconds).
    static let writerFallbackPages = 16_384
    private let thread = BackgroundThread(name: "tandem-checkpt")
    private var condition: MonotonicCondition { thread.condition }
    private let db: Database
    private let interval: TimeInterval
    private var runs = 0
    private let framesInWAL = Atomic<Int>(0)
    /// Each pass as SQLite reported it, for the writer (`WALRestart`).
    let passes: CheckpointPasses
    /// Set by `watchFreePages`: read on the checkpoint thread.
    private let freePagesWatch = Mutex<(space: DiskSpace, minBytes: Int?, due: @Sendable () -> Void)?>(nil)
    /// When the free list was last read (checkpoint thread only).
    private var lastWatch = ContinuousClock.now

    /// Frames in the WAL at the last checkpoint (it starts over from 0 once a checkpoint has
    /// copied all of them and no commit overtook it).
    var walFrames: Int { framesInWAL.load(ordering: .relaxed) }

    /// Whether the WAL is past half of `writerFallbackPages`: long writes done in steps (deletes,
    /// imports, forks) then pause for a checkpoint interval, so that this thread catches up and
    /// the WAL starts over before a commit has to checkpoint it itself (100 ms and more).
    var walIsLong: Bool { walFrames > Self.writerFallbackPages / 2 }

    /// Checkpoints run so far (for tests).
    var completedRuns: Int {
        condition.lock()
        defer { condition.unlock() }
        return runs
    }

    init(configuration: StoreConfiguration) throws(StoreError) {
        db = try Database(path: configuration.path, synchronous: configuration.synchronous,
                          busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        interval = Double(configuration.checkpointIntervalMilliseconds) / 1000
        passes = CheckpointPasses(restartPages: configuration.walRestartPages)
        thread.start { self.loop() }
    }

    /// About once a second, reads the main file's free list into `space` and calls `due` when
    /// it is worth giving back (`DiskReclaim`) and no pass is under way. Cheap: page 1's header.
    func watchFreePages(space: DiskSpace, minBytes: Int?, due: @escaping @Sendable () -> Void) {
        freePagesWatch.withLock { $0 = (space, minBytes, due) }
    }

    /// Runs a last checkpoint, closes the connection and stops the thread.
    func close() {
        thread.stop()
    }

    private func loop() {
        condition.lock()
        while !thread.isStopping {
            condition.wait(seconds: interval)
            if thread.isStopping { break }
            condition.unlock()
            // A long WAL gets a second pass at once: it copies only what came during the first,
            // so the writer, which starts the WAL over after it (`WALRestart`), finds even less.
            if checkpoint(), passes.restartPages > 0, walFrames >= passes.restartPages {
                _ = checkpoint(followUp: true)
            }
            condition.lock()
        }
        condition.unlock()
        _ = checkpoint()
        // Closed before `close()` returns, not when this thread lets go of the checkpointer.
        db.close()
        condition.lock()
        thread.finish()
        condition.unlock()
    }

    /// One PASSIVE pass; true when it was not busy (it copied what readers allowed).
    private func checkpoint(followUp: Bool = false) -> Bool {
        // The free list is read before a first pass, not after one: the writer starts the WAL over
        // right after a pass (`WALRestart`), which a read holding frames then would make fail.
        if !followUp { watchFreePagesIfDue() }
        var done = false
        // A failure (busy, I/O) is retried next interval; the writer's fallback bounds the WAL meanwhile.
        if let (busy, frames, copied) = try? db.queryOne("PRAGMA wal_checkpoint(PASSIVE)", [], { (Int($0.int(0)), Int($0.int(1)), Int($0.int(2))) }) {
            framesInWAL.store(frames, ordering: .relaxed)
            // A busy pass (the writer was checkpointing) copied nothing worth acting on.
            if busy == 0 {
                passes.record(logFrames: frames, copiedFrames: copied, followUp: followUp)
                done = true
            }
        }
        condition.lock()
        runs += 1
        condition.unlock()
        return done
    }

    /// About once a second: `watchFreePages`'s look.
    private func watchFreePagesIfDue() {
        guard ContinuousClock.now - lastWatch >= .seconds(1) else { return }
        lastWatch = .now
        guard let watch = freePagesWatch.withLock({ $0 }), let pages = try? DiskReclaim.read(db) else { return }
        watch.space.note(.main, pages)
        if !watch.space.isRunning(.main) && DiskReclaim.isWorthReclaiming(pages, minBytes: watch.minBytes) { watch.due() }
    }
}
