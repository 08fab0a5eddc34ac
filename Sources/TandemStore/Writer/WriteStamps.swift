/// The times the writer stamps records with (`WriteContext.now`): the wall clock, held from going
/// back. A client polling `session.list {updated_since: T}` with T the newest `updated` it saw
/// must find every later change; after the host's clock is stepped back by D (NTP, a VM resumed,
/// a hand fix), plain wall-clock stamps put the next D of changes before T, and the poller never
/// saw them. So each job's stamp is `max(wall clock, last stamp)`: during a step back the stamps
/// stay at the last one until the clock passes it (changes then share that millisecond, which
/// `updated_since`'s `>=` keeps). The last stamp is recovered at open (`recover`), so a restart
/// into a stepped-back clock holds too.
///
/// A clock stepped forward by mistake and corrected holds the stamps for as long as it was
/// ahead; nothing bounds that, since any bound would let the stamps go back and lose changes
/// for the pollers (docs/store.md, "The writer's clock"). The operator is told once per step.
struct WriteStamps {
    /// A clock this far behind the last stamp is reported (smaller steps, NTP's ordinary
    /// corrections, are held as well but not worth a log line).
    static let reportedLag: Int64 = 1_000

    private(set) var last: Int64
    /// Whether this step back was reported: until the clock passes the last stamp again.
    private var reported = false

    init(last: Int64) { self.last = last }

    /// The stamp of a job starting when the wall clock reads `wall`, and the lag to report when
    /// this job is the first to find the clock `reportedLag` or more behind the last stamp.
    mutating func stamp(wall: Int64) -> (stamp: Int64, reportLag: Int64?) {
        if wall >= last {
            last = wall
            reported = false
            return (wall, nil)
        }
        let lag = last - wall
        guard !reported, lag >= Self.reportedLag else { return (last, nil) }
        reported = true
        return (last, lag)
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
