import Synchronization

/// One PASSIVE checkpoint of the checkpointer thread, as SQLite reported it.
struct CheckpointPass: Equatable, Sendable {
    /// Passes run so far, this one included (0: none yet).
    var number: Int
    /// Frames in the WAL when the pass began copying.
    var logFrames: Int
    /// Frames copied into the database file (all of `logFrames` unless a reader held some).
    var copiedFrames: Int
    /// Whether it ran at once after a pass that found the WAL long (see `Checkpointer`).
    var isFollowUp = false
}

/// When the writer starts the WAL over itself.
///
/// The WAL only starts over when a writer begins a transaction after a checkpoint that copied every
/// frame; the checkpointer thread never wins that against commits every millisecond (they add frames
/// while it copies and syncs), so under steady posting the WAL grew to `Checkpointer.writerFallbackPages`
/// and the commit that crossed it ran SQLite's own checkpoint: the whole unsynced WAL and every page
/// copied since the last pass synced inside that commit, holding every post behind it for 20-55 ms
/// every ~2 s on 1x100 at half its maximum rate (tandemload's timeline beside `perf trace` of the
/// syncs), the tail of post-to-delivery latency. Now the checkpointer follows a pass that found the
/// WAL long with a second one at once, and the writer checkpoints right after that second pass if it
/// copied everything it saw: the writer copies only what was committed since, and both its syncs
/// find little left to write. Its next transaction then starts the WAL over.
enum WALRestart {
    /// Whether the writer should checkpoint now: a follow-up pass the writer has not acted on
    /// (`seenPass`) found the WAL at least `pages` long and copied all of it. (After the first pass
    /// of the two, the writer would copy and sync what came during that pass's own syncs.) Past
    /// twice `pages` any such pass will do: on a busy host the writer may look only after the
    /// checkpointer's next regular pass, and waiting for a follow-up it sees in time let the WAL grow
    /// to the fallback.
    static func isDue(_ pass: CheckpointPass, seenPass: Int, pages: Int) -> Bool {
        guard pass.number != seenPass, pass.logFrames >= pages, pass.copiedFrames == pass.logFrames else { return false }
        return pass.isFollowUp || pass.logFrames >= 2 * pages
    }
}

/// What the writer reads of the checkpointer: its last pass (see `WALRestart`).
final class CheckpointPasses: Sendable {
    private let last = Mutex(CheckpointPass(number: 0, logFrames: 0, copiedFrames: 0))
    /// The WAL length from which the writer starts it over after a pass.
    let restartPages: Int

    init(restartPages: Int) {
        self.restartPages = restartPages
    }

    var latest: CheckpointPass { last.withLock { $0 } }

    /// Records a pass that reported `logFrames` and `copiedFrames`.
    func record(logFrames: Int, copiedFrames: Int, followUp: Bool) {
        last.withLock {
            $0 = CheckpointPass(number: $0.number + 1, logFrames: logFrames, copiedFrames: copiedFrames, isFollowUp: followUp)
        }
    }
}
