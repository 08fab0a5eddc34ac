/// What the access watcher's catch-up of events it did not publish (`AccessWatcher.catchUpExternalEvents`)
/// keeps from tick to tick: which live sessions the sweep visits next, what the writer's count of
/// other processes' commits was at the last read of every head, and the sessions whose head was
/// ahead of their fan-out at the last read. Touched only by the watcher thread.
struct ExternalCatchUp {
    /// Live sessions whose head a tick reads when no other process committed: 128 every 250 ms
    /// visits 512 a second (1,000 live sessions each within 2 s, 10,000 within 20 s), at about the
    /// cost that reading all of them had at 128.
    static let defaultSweepPerTick = 128

    let sweepPerTick: Int
    /// `StoreWriter.otherCommitsSeen` when every live session's head was last read (-1: never).
    var seenOtherCommits = -1
    /// The rest of the round: the live sessions of one snapshot not visited yet, the next last.
    private var round: [LiveSession] = []
    /// Read ahead of their fan-out, by live session: the head read.
    private var pending: [ObjectIdentifier: (LiveSession, Int64)] = [:]

    init(sweepPerTick: Int) {
        self.sweepPerTick = max(1, sweepPerTick)
    }

    /// The next sessions of the sweep, at most `sweepPerTick`; a round that ran out starts again
    /// from `snapshot()` (every live session now), so each one live at a round's start is visited
    /// within that round, and one made live since within the next.
    mutating func nextSweep(_ snapshot: () -> [LiveSession]) -> [LiveSession] {
        if round.isEmpty { round = snapshot().reversed() }
        let take = min(sweepPerTick, round.count)
        let visit = Array(round.suffix(take).reversed())
        round.removeLast(take)
        return visit
    }

    /// Records that `liveSession`'s head was `head`, ahead of what it delivered.
    mutating func notePending(_ liveSession: LiveSession, head: Int64) {
        let key = ObjectIdentifier(liveSession)
        if let known = pending[key], known.1 >= head { return }
        pending[key] = (liveSession, head)
    }

    /// The sessions read ahead of their fan-out since the last call, with the head read.
    mutating func takePending() -> [(LiveSession, Int64)] {
        defer { pending.removeAll(keepingCapacity: true) }
        return Array(pending.values)
    }

    /// Gives back what `takePending` took, for a tick that could not read the database.
    mutating func restorePending(_ taken: [(LiveSession, Int64)]) {
        for (liveSession, head) in taken { notePending(liveSession, head: head) }
    }
}
