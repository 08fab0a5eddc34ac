/// The times the writer stamps records with (`WriteContext.now`): the wall clock, held from going
/// back. A client polling `session.list {updated_since: T}` with T the newest `updated` it saw
/// must find every later change; after the host's clock is stepped back by D (NTP, a VM resumed,
/// a hand fix), plain wall-clock stamps put the next D of changes before T, and the poller never
/// saw them. So each job's stamp is `max(wall clock, last stamp)`: during a step back the stamps
/// stay at the last one until the clock passes it (changes then share that millisecond, which
/// `updated_since`'s `>=` keeps). The last stamp is recovered at open (`recover`), so a restart
/// into a stepped-back clock holds too.
///
/// Held at most `maxHold` behind (`StoreConfiguration.maxClockHoldMilliseconds`, an hour by default): a clock put forward by mistake (a year, say) and corrected, or
/// one stamp written during such a mistake and recovered at the next open, must not freeze every
/// time stamp (and with them retention: `purge` ages nothing) until that date. Past it the stamps
/// follow the clock back, and the operator is told that pollers may have missed changes (docs/store.md,
/// "The writer's clock"). Either way the operator is told once per step.
struct WriteStamps {
    /// A clock this far behind the last stamp is reported (smaller steps, NTP's ordinary
    /// corrections, are held as well but not worth a log line).
    static let reportedLag: Int64 = 1_000
    /// The most the stamps are held ahead of the clock (ms).
    let maxHold: Int64

    private(set) var last: Int64
    /// Whether this step back was reported: until the clock passes the last stamp again.
    private var reported = false

    init(last: Int64, maxHold: Int64) {
        self.last = last
        self.maxHold = maxHold
    }

    /// The stamp of a job starting when the wall clock reads `wall`, and the step to report when
    /// this job is the first to find the clock `reportedLag` or more behind the last stamp, or
    /// more than `maxHold` behind (the stamps then go back to the clock).
    mutating func stamp(wall: Int64) -> (stamp: Int64, report: ClockStep?) {
        if wall >= last {
            last = wall
            reported = false
            return (wall, nil)
        }
        let lag = last - wall
        if lag > maxHold {
            last = wall
            reported = false
            return (wall, lag >= Self.reportedLag ? ClockStep(behind: lag, stamp: wall, held: false) : nil)
        }
        guard !reported, lag >= Self.reportedLag else { return (last, nil) }
        reported = true
        return (last, ClockStep(behind: lag, stamp: last, held: true))
    }

    /// Takes in a stamp written elsewhere (another process on the same database).
    mutating func raise(to stamp: Int64) { last = max(last, stamp) }

    /// The last stamp a database holds, from indexed maxima only (no scan, whatever its size):
    /// sessions' `updated_at` (every turn, event and row write of a session raises it, and a
    /// creation sets it) and the newest audit entry (deletes and purges, which leave no session).
    static func recover(_ db: Database) throws(StoreError) -> Int64 {
        try db.scalar(recoverySQL) ?? 0
    }

    static let recoverySQL = """
        SELECT max(COALESCE((SELECT MAX(updated_at) FROM sessions), 0),
                   COALESCE((SELECT at FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)), 0))
        """
}

/// The host's clock found behind the last time stamp written (`StoreConfiguration.onClockBehind`).
public struct ClockStep: Sendable, Equatable {
    /// How far behind (ms).
    public var behind: Int64
    /// The stamp writes use from now on.
    public var stamp: Int64
    /// True: the stamps stay at the last one until the clock passes it (`updated_since` misses
    /// nothing). False: the clock was more than `maxClockHoldMilliseconds` behind, so the stamps went
    /// back with it; a poller's `updated_since` may miss changes written from now until the clock
    /// passes the old stamp (a full `session.list` finds them).
    public var held: Bool
}
