/// What a write job sees: the writer's connection, the time, and per-batch deferred work.
///
/// Hot-path side effects that touch shared index pages (full-text indexing, contribution counters)
/// are staged here and applied once per group commit, outside the per-job savepoints: FTS5 flushes
/// its pending terms at every SAVEPOINT, which would turn a batch of 10,000 appends into 10,000
/// tiny index segments.
public final class WriteContext {
    public let db: Database
    let configuration: StoreConfiguration
    public private(set) var now: Int64 = 0

    struct FTSEntry { var rowid: Int64; var content: String }
    struct ContributionKey: Hashable { var sid: Int64; var user: String }

    private var jobFTS: [FTSEntry] = []
    private var jobContributions: [ContributionKey: ContributionCounts] = [:]
    private var batchFTS: [FTSEntry] = []
    private var batchContributions: [ContributionKey: ContributionCounts] = [:]

    init(db: Database, configuration: StoreConfiguration) {
        self.db = db
        self.configuration = configuration
    }

    func beginJob() {
        now = configuration.clock()
        jobFTS.removeAll(keepingCapacity: true)
        jobContributions.removeAll(keepingCapacity: true)
    }

    func commitJob() {
        batchFTS.append(contentsOf: jobFTS)
        for (key, delta) in jobContributions { batchContributions[key, default: .init()].add(delta) }
        jobFTS.removeAll(keepingCapacity: true)
        jobContributions.removeAll(keepingCapacity: true)
    }

    func discardJob() {
        jobFTS.removeAll(keepingCapacity: true)
        jobContributions.removeAll(keepingCapacity: true)
    }

    var hasDeferredWork: Bool { !batchFTS.isEmpty || !batchContributions.isEmpty }

    func indexTurn(rowid: Int64, content: String) {
        if configuration.indexTurnsForSearch { jobFTS.append(FTSEntry(rowid: rowid, content: content)) }
    }

    func count(sid: Int64, user: String, _ delta: ContributionCounts) {
        jobContributions[ContributionKey(sid: sid, user: user), default: .init()].add(delta)
    }

    /// Applies the staged work of every successful job so far. Runs outside any job savepoint.
    func flushDeferred() throws(StoreError) {
        if !batchFTS.isEmpty {
            for entry in batchFTS {
                try db.run("INSERT INTO turns_fts(rowid, content) VALUES (?, ?)", [.integer(entry.rowid), .text(entry.content)])
            }
            batchFTS.removeAll(keepingCapacity: true)
        }
        if !batchContributions.isEmpty {
            for (key, c) in batchContributions {
                // Sessions deleted later in the same batch leave nothing to count against.
                guard try db.scalar("SELECT 1 FROM sessions WHERE sid = ?", [.integer(key.sid)]) != nil else { continue }
                try db.run("""
                    INSERT INTO contributions(sid, user_id, turns, tokens_in, tokens_out, comments, row_writes, merges, conflicts, undos)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(sid, user_id) DO UPDATE SET turns = turns + excluded.turns,
                      tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                      comments = comments + excluded.comments, row_writes = row_writes + excluded.row_writes,
                      merges = merges + excluded.merges, conflicts = conflicts + excluded.conflicts,
                      undos = undos + excluded.undos
                    """, [.integer(key.sid), .text(key.user), .integer(c.turns), .integer(c.tokensIn), .integer(c.tokensOut),
                          .integer(c.comments), .integer(c.rowWrites), .integer(c.merges), .integer(c.conflicts), .integer(c.undos)])
            }
            batchContributions.removeAll(keepingCapacity: true)
        }
    }

    func discardBatch() {
        batchFTS.removeAll(keepingCapacity: true)
        batchContributions.removeAll(keepingCapacity: true)
        discardJob()
    }
}
