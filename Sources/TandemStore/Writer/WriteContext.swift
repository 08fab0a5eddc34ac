import Synchronization
import TandemJSON

/// What a write job sees: the writer's connection, the time, and per-batch deferred work.
///
/// Hot-path side effects that touch shared pages (session counters, contribution counters) are
/// staged here and applied once per group commit, outside the per-job savepoints. Full-text
/// indexing is not done here at all: committed turns are indexed later (`SearchIndexWorker`).
public final class WriteContext {
    public let db: Database
    let configuration: StoreConfiguration
    /// The store's lock slot, recorded in the hidden sessions it writes (`SessionImport.insertHidden`).
    let writerLock: WriterLock?
    /// The job's time stamp (Unix ms): the wall clock, never earlier than an earlier job's
    /// (`WriteStamps`). What records are stamped with and `updated_since` compares.
    public private(set) var now: Int64 = 0
    /// The wall clock as the job began (Unix ms): what deadlines kept as wall-clock instants are
    /// set from and checked against (share links' and tokens' expiry), as the server's access
    /// watcher checks them. Differs from `now` only while the clock is behind the last stamp.
    public private(set) var wall: Int64 = 0
    private var stamps: WriteStamps
    /// `PRAGMA data_version` at the last transaction's start: it changes when another process
    /// (`tandem-admin`) commits, whose stamps this writer must then not go below.
    private var seenDataVersion: Int64?
    /// Looks that found another connection had committed (the first look counts too).
    let otherCommits = Atomic<Int>(0)
    /// Whether this batch deleted turns of deleted sessions (the search index then has entries
    /// to forget).
    var sessionsDeleted = false
    /// Whether this batch left work for the writer's chore (`WriterChore`): a hidden session.
    var choreDue = false

    struct ContributionKey: Hashable { var sid: Int64; var user: String }

    /// Whether the running job is deferrable (see `StoreWriter.submit`).
    private(set) var jobIsDeferrable = false
    /// Session counters reserved by deferrable jobs, written back once per flush.
    private var batchCounters: [Int64: SessionCounters] = [:]
    /// Session lookups made by deferrable jobs, kept from batch to batch. Roles and status only
    /// change in non-deferrable jobs, and every non-deferrable job is preceded by a flush that
    /// clears this; so does a transaction rolled back, and one that finds another process (or
    /// connection) committed since the last (`PRAGMA data_version`). Kept across batches because
    /// a batch of 1000x10 holds about one post per session: cleared at each commit, nearly every
    /// post looked its session up again (~12,000 instructions, as much as inserting the turn).
    private var refCache: [SessionActor: SessionRef] = [:]
    /// Counters as the database holds them (read by those lookups, or written by the last
    /// flush; cleared with `refCache`): a session's first reservation in a batch then needs no
    /// query of its own.
    private var loadedCounters: [Int64: SessionCounters] = [:]
    /// Past this many lookups kept, the end of a batch lets them all go (many members of many
    /// sessions posting): the cache stays a cache.
    static let maxLookupsKept = 8_192

    private var batchContributions: [ContributionKey: ContributionCounts] = [:]
    /// The running job's changes to `batchCounters` and `batchContributions`, each with the value
    /// it replaced: a job writes straight into the batch's (one lookup a change), and a job that
    /// fails puts them back (`discardJob`). Per-job maps, merged into the batch's at each job's
    /// end, had cost a post ~1,500 instructions more (docs/benchmarks.md).
    private var jobChanges: [StagedChange] = []

    private enum StagedChange {
        case counters(sid: Int64, replaced: SessionCounters?)
        case contributions(ContributionKey, replaced: ContributionCounts?)
    }

    /// The sessions merges under way hold (see `SessionHolds`).
    let holds = SessionHolds()

    init(db: Database, configuration: StoreConfiguration, writerLock: WriterLock? = nil, lastStamp: Int64 = 0) {
        self.db = db
        self.configuration = configuration
        self.writerLock = writerLock
        stamps = WriteStamps(last: lastStamp, maxHold: configuration.maxClockHoldMilliseconds)
        db.sessionHolds = holds
    }

    /// Takes in a stamp this job wrote above its own `now` (a session made again under a deleted one's
    /// id in the same millisecond: `SessionIncarnation.created`): later jobs stamp no earlier, so a
    /// poller whose `updated_since` is that stamp misses none of them.
    func wroteStamp(_ stamp: Int64) {
        stamps.raise(to: stamp)
    }

    /// Called in each batch's transaction before its jobs: takes in the stamps another process
    /// wrote since the last batch (a read of the WAL header when none did).
    func beginTransaction() throws(StoreError) {
        try lookForOtherCommits()
    }

    /// Whether another connection (another process: `tandem-admin`) committed since the last
    /// look, by `PRAGMA data_version`, which this connection's own commits leave alone; if so,
    /// takes in its stamps, forgets the lookups it may have made wrong, and counts it in
    /// `otherCommits`. Run at each batch's start, and between batches when asked
    /// (`StoreWriter.lookForOtherCommits`).
    func lookForOtherCommits() throws(StoreError) {
        let version = try db.scalar("PRAGMA data_version")
        guard version != seenDataVersion else { return }
        stamps.raise(to: try WriteStamps.recover(db))
        // Another process may have changed roles, status or counters (tandem-admin).
        forgetLookups()
        seenDataVersion = version
        otherCommits.add(1, ordering: .releasing)
    }

    func beginJob(deferrable: Bool) {
        wall = configuration.clock()
        let stamp = stamps.stamp(wall: wall)
        now = stamp.stamp
        if let report = stamp.report { configuration.onClockBehind?(report) }
        holds.beginJob()
        jobIsDeferrable = deferrable
        forgetJobChanges()
    }

    /// Empties `jobChanges`, keeping its storage: popped, not `removeAll(keepingCapacity:)`, whose
    /// general `replaceSubrange` cost a job ~200 instructions for its one or two entries.
    private func forgetJobChanges() {
        while jobChanges.popLast() != nil {}
    }

    /// Keeps the job's staged changes for the flush.
    func commitJob() {
        forgetJobChanges()
    }

    /// Puts back what the job staged, newest first, so each entry ends as it was before the job.
    func discardJob() {
        for change in jobChanges.reversed() {
            switch change {
            case .counters(let sid, let replaced): batchCounters[sid] = replaced
            case .contributions(let key, let replaced): batchContributions[key] = replaced
            }
        }
        forgetJobChanges()
    }

    /// Reserves `turns` turn numbers and `events` change-log numbers of a session and returns the
    /// new highest of each. Deferrable jobs keep the counters in memory until the flush; others
    /// update the session row at once (they may read it back).
    func reserve(sid: Int64, turns: Int64, events: Int64) throws(StoreError) -> (lastTurn: Int64, lastEvent: Int64) {
        // Every change to a session's log comes here, also from jobs that name sessions by sid
        // (a user's removal from all of theirs): a held one's waits for its merge.
        if holds.refuses(sid) {
            throw StoreError(.busy, "session #\(sid) is being merged into; the write waits for the merge")
        }
        guard jobIsDeferrable else { return try db.bumpCounters(sid: sid, turns: turns, events: events, now: now) }
        var c: SessionCounters
        let staged = batchCounters[sid]
        if let cached = staged ?? loadedCounters[sid] {
            c = cached
        } else {
            guard let loaded = try db.queryOne("SELECT last_turn_seq, last_event_seq, updated_at FROM sessions WHERE sid = ?",
                                               [.integer(sid)], { SessionCounters(lastTurn: $0.int(0), lastEvent: $0.int(1), updatedAt: $0.int(2)) })
            else { throw StoreError.notFound("session") }
            c = loaded
        }
        c.lastTurn += turns
        c.lastEvent += events
        c.updatedAt = max(c.updatedAt, now)
        jobChanges.append(.counters(sid: sid, replaced: staged))
        batchCounters[sid] = c
        return (c.lastTurn, c.lastEvent)
    }

    /// Takes the next change-log number of a session and records the event.
    @discardableResult
    func recordEvent(sid: Int64, kind: String, actor: String?, turnSeq: Int64? = nil, rowKey: String? = nil,
                     rowVersion: Int64? = nil, data: JSONValue? = nil) throws(StoreError) -> Int64 {
        let (lastTurn, seq) = try reserve(sid: sid, turns: 0, events: 1)
        var data = data
        if ChangeEvent.Kind(rawValue: kind)?.changesTheSession == true {
            data = try SessionAfter.attach(to: data, db: db, sid: sid, lastTurn: lastTurn, now: now)
        }
        try db.insertEvent(sid: sid, seq: seq, kind: kind, actor: actor, now: now, turnSeq: turnSeq, rowKey: rowKey,
                           rowVersion: rowVersion, data: data)
        return seq
    }

    /// `Database.authorizeChange` with the session lookup cached across deferrable jobs.
    func authorizeChange(_ operation: Operation, session id: String, actor: String) throws(StoreError) -> SessionRef {
        guard jobIsDeferrable else { return try db.authorizeChange(operation, session: id, actor: actor) }
        let key = SessionActor(session: id, actor: actor)
        let ref: SessionRef
        if let cached = refCache[key] {
            ref = cached
            if holds.refuses(ref.sid) {
                throw StoreError(.busy, "session \(id) is being merged into; the write waits for the merge")
            }
        } else {
            let counters: SessionCounters
            (ref, counters) = try db.sessionRefAndCounters(id, actor: actor)
            refCache[key] = ref
            if loadedCounters[ref.sid] == nil { loadedCounters[ref.sid] = counters }
        }
        return try SessionRef.check(ref, operation, actor: actor, status: .active, in: db)
    }

    func count(sid: Int64, user: String, _ delta: ContributionCounts) {
        let key = ContributionKey(sid: sid, user: user)
        // One hash of the key when the batch already counts it (the common case), two when not.
        if let i = batchContributions.index(forKey: key) {
            jobChanges.append(.contributions(key, replaced: batchContributions.values[i]))
            batchContributions.values[i].add(delta)
        } else {
            jobChanges.append(.contributions(key, replaced: nil))
            var counts = ContributionCounts()
            counts.add(delta)
            batchContributions[key] = counts
        }
    }

    /// Applies the staged work of every successful job so far. Runs outside any job savepoint.
    /// Before a non-deferrable job the session lookups go (that job may change what they hold);
    /// at the end of a batch (`endOfBatch`) they stay for the next, with the counters as written.
    func flushDeferred(endOfBatch: Bool = false) throws(StoreError) {
        let keepLookups = endOfBatch && refCache.count <= Self.maxLookupsKept
        if !keepLookups { forgetLookups() }
        // One statement per up to 64 sessions (`ValuesStatement`), not one per session: a batch of
        // 1000x10 touches about as many sessions as it holds posts, so the statements' own cost
        // was paid about once per post. A failed statement rolls the batch back, and
        // `discardBatch` forgets what this kept.
        if !batchCounters.isEmpty {
            if keepLookups {
                for (sid, c) in batchCounters { loadedCounters[sid] = c }
            }
            var next = batchCounters.startIndex
            var remaining = batchCounters.count
            while remaining > 0 {
                let rows = ValuesStatement.chunk(remaining)
                try db.run(Self.counterUpdate, rows: rows) { stmt throws(StoreError) in
                    for row in 0..<rows {
                        let (sid, c) = batchCounters[next]
                        next = batchCounters.index(after: next)
                        try stmt.bind(sid, at: Self.counterUpdate.index(row: row, column: 0))
                        try stmt.bind(c.lastTurn, at: Self.counterUpdate.index(row: row, column: 1))
                        try stmt.bind(c.lastEvent, at: Self.counterUpdate.index(row: row, column: 2))
                        try stmt.bind(c.updatedAt, at: Self.counterUpdate.index(row: row, column: 3))
                    }
                }
                remaining -= rows
            }
            batchCounters.removeAll(keepingCapacity: true)
        }
        if !batchContributions.isEmpty {
            var next = batchContributions.startIndex
            var remaining = batchContributions.count
            while remaining > 0 {
                let rows = ValuesStatement.chunk(remaining)
                try db.run(Self.contributionUpsert, rows: rows) { stmt throws(StoreError) in
                    try stmt.bind(CountBound.most, at: 1)
                    for row in 0..<rows {
                        let (key, c) = batchContributions[next]
                        next = batchContributions.index(after: next)
                        let first = Self.contributionUpsert.index(row: row, column: 0)
                        try stmt.bind(key.sid, at: first)
                        try stmt.bind(key.user, at: first + 1)
                        try stmt.bind(c.turns, at: first + 2)
                        try stmt.bind(c.tokensIn, at: first + 3)
                        try stmt.bind(c.tokensOut, at: first + 4)
                        try stmt.bind(c.comments, at: first + 5)
                        try stmt.bind(c.rowWrites, at: first + 6)
                        try stmt.bind(c.merges, at: first + 7)
                        try stmt.bind(c.conflicts, at: first + 8)
                        try stmt.bind(c.undos, at: first + 9)
                    }
                }
                remaining -= rows
            }
            batchContributions.removeAll(keepingCapacity: true)
        }
    }

    /// A batch's session counters: rows of (sid, last turn, last event, updated at). VALUES names
    /// its columns column1...column4.
    static let counterUpdate = ValuesStatement(
        head: "UPDATE sessions SET last_turn_seq = v.column2, last_event_seq = v.column3, updated_at = v.column4 FROM (VALUES ",
        width: 4, leading: 0,
        tail: ") AS v WHERE sessions.sid = v.column1")

    /// A batch's contributions, added to each (session, member)'s: rows of (sid, user, turns,
    /// tokens in, tokens out, comments, row writes, merges, conflicts, undos); ?1 the count bound.
    static let contributionUpsert = ValuesStatement(
        head: "INSERT INTO contributions(sid, user_id, turns, tokens_in, tokens_out, comments, row_writes, merges, conflicts, undos) VALUES ",
        width: 10, leading: 1,
        tail: """
             ON CONFLICT(sid, user_id) DO UPDATE SET turns = turns + excluded.turns,
              tokens_in = max(0, min(?1, tokens_in + excluded.tokens_in)),
              tokens_out = max(0, min(?1, tokens_out + excluded.tokens_out)),
              comments = comments + excluded.comments, row_writes = row_writes + excluded.row_writes,
              merges = merges + excluded.merges, conflicts = conflicts + excluded.conflicts,
              undos = undos + excluded.undos
            """)

    /// Lets go of the session lookups kept (see `refCache`).
    func forgetLookups() {
        refCache.removeAll(keepingCapacity: true)
        loadedCounters.removeAll(keepingCapacity: true)
    }

    func discardBatch() {
        forgetLookups()
        // Nothing to put back: the batch's staged work goes as a whole.
        forgetJobChanges()
        batchCounters.removeAll(keepingCapacity: true)
        batchContributions.removeAll(keepingCapacity: true)
    }
}

/// A session and a member acting in it: a key that costs no string concatenation per lookup.
private struct SessionActor: Hashable {
    var session: String
    var actor: String
}
