/// How long background work in steps waits after one step before the next (an import's, a
/// fork's, a template session's or a branch merge's steps, run by `Store.writeStep`; a delete's,
/// run by `WriterChore`). Pure: it decides from what the writer counted (`WriterActivity`).
///
/// The pause exists so that other writes keep their share of the single writer: `factor` times
/// the step's duration leaves them at least about half of it. When nothing else wanted the
/// writer since the step began, there is nobody to leave it to, and the pause would only make
/// the work take twice as long (and, for a merge, keep the writes parked behind it waiting twice
/// as long), so the next step runs at once. Writes parked behind a merge's hold do not count:
/// they wait for the very work the pause would slow down. Another write answered within
/// `window` keeps the pause on too: light traffic (a post every 50 ms) then finds the writer as
/// often free as before, rather than a step's length behind background work run back to back
/// (measured over the wire: without the window, such posts' p99 beside a merge doubled).
enum StepPause {
    /// How long after another write was answered background steps keep pausing.
    static let window: Duration = .milliseconds(250)

    /// Whether a write answered at `lastServed` is within `window` of `now`.
    static func isRecent(_ lastServed: ContinuousClock.Instant?, now: ContinuousClock.Instant,
                         window: Duration = window) -> Bool {
        guard let lastServed else { return false }
        return now - lastServed < window
    }

    /// Why a step was, or was not, followed by a pause.
    enum Reason: Sendable, Equatable {
        /// Nothing else wanted the writer: no pause.
        case idle
        /// Other jobs were served or queued (or another process took the write lock): `factor`
        /// times the step's duration.
        case shared
        /// The process pauses after every step (`StoreConfiguration.adaptiveStepPause` off).
        case always
        /// The WAL is past half the writer's checkpoint bound: at least a checkpoint interval,
        /// so that the checkpointer catches up (whatever else the pause would have been).
        case walIsLong
    }

    /// The decision: how long, and why.
    struct Decision: Sendable, Equatable {
        var pause: Duration
        var reason: Reason
    }

    /// The pause after a step that took `took`.
    /// - Parameters:
    ///   - factor: `StoreConfiguration.stepPause` (negative counts as 0).
    ///   - others: what the writer did for others from the moment the step was submitted to its
    ///     answer (the step's own job left out), and what was queued at the answer.
    ///   - sharedRecently: whether another write was answered within `window` (`isRecent`).
    ///   - adaptive: `StoreConfiguration.adaptiveStepPause`; false pauses after every step.
    ///   - walIsLong: whether the WAL is past half the writer's checkpoint bound.
    ///   - walWait: the checkpoint interval, the least pause while it is.
    static func after(step took: Duration, factor: Double, others: WriterActivity, sharedRecently: Bool = false,
                      adaptive: Bool, walIsLong: Bool, walWait: Duration) -> Decision {
        let shared = others.wantedTheWriter || sharedRecently
        var decision = Decision(pause: shared || !adaptive ? took * max(0, factor) : .zero,
                                reason: !adaptive ? .always : shared ? .shared : .idle)
        if walIsLong && decision.pause < walWait { decision = Decision(pause: walWait, reason: .walIsLong) }
        return decision
    }
}

/// How many steps `Store.writeStep` followed with each kind of pause (`StepPause.Reason`), and
/// how long it paused in all.
public struct StepPauseCounts: Sendable, Equatable {
    public var idle = 0
    public var shared = 0
    public var always = 0
    public var walIsLong = 0
    public var paused: Duration = .zero

    public var steps: Int { idle + shared + always + walIsLong }

    /// What was counted since `earlier`.
    public func since(_ earlier: StepPauseCounts) -> StepPauseCounts {
        StepPauseCounts(idle: idle - earlier.idle, shared: shared - earlier.shared, always: always - earlier.always,
                        walIsLong: walIsLong - earlier.walIsLong, paused: paused - earlier.paused)
    }

    mutating func note(_ decision: StepPause.Decision) {
        switch decision.reason {
        case .idle: idle += 1
        case .shared: shared += 1
        case .always: always += 1
        case .walIsLong: walIsLong += 1
        }
        paused += decision.pause
    }
}

/// What the writer did for others over a span of time, as differences of its counters
/// (`StoreWriter.activity`), and what was queued at its end.
struct WriterActivity: Sendable, Equatable {
    /// Jobs the writer ran to an answer (committed or failed on their own). Parked jobs (on a
    /// merge's hold), and jobs refused for waiting on one, are not counted, nor are the writer's
    /// chore steps.
    var served = 0
    /// Transactions whose `BEGIN` waited for another connection's write lock (another process,
    /// `tandem-admin`, writing: it wants the writer too, and cannot be seen queued).
    var lockWaits = 0
    /// Jobs queued and not yet taken by the writer (parked ones not included).
    var queued = 0
    /// When the writer last answered a job counted in `served` (nil: never).
    var lastServed: ContinuousClock.Instant?

    /// Whether anything but the work being paced wanted the writer.
    var wantedTheWriter: Bool { served > 0 || lockWaits > 0 || queued > 0 }

    /// What happened between `earlier` and this reading; `queued` and `lastServed` are this
    /// reading's.
    func since(_ earlier: WriterActivity) -> WriterActivity {
        WriterActivity(served: max(0, served - earlier.served), lockWaits: max(0, lockWaits - earlier.lockWaits),
                       queued: queued, lastServed: lastServed)
    }
}
