/// Hands hidden sessions whose writer is gone (an import, a fork or a session from a template
/// whose process was killed) to the delete steps, so that their rows go and they stop counting
/// against their owner's `maxSessionsPerUser`.
///
/// Each hidden session records its writer (`sessions.importer`, see `ImportOwner`). One whose
/// writer is provably gone (another boot, its lock slot free in the same lock file, or else from
/// `/proc`: no such pid, the pid reused by a later process, or a zombie) is handed over at once; one
/// whose writer is alive, or cannot be told (an older build recorded none, another pid namespace
/// without a lock slot to look at), only once not heard from for
/// `SessionImport.abandonedAfterMilliseconds`: a live process's steps are milliseconds apart, so a
/// live writer silent that long is hung, and its next step is answered `closed`.
enum ImportReclaim {
    /// A hidden session being written, as read before deciding.
    struct Candidate: Sendable, Equatable {
        var sid: Int64
        var importer: String?
        var updatedAt: Int64
    }

    /// Why a hidden session is handed over.
    enum Reason: Sendable, Equatable {
        /// Its writer (this `importer`) is gone.
        case writerGone(importer: String)
        /// Not heard from since before this time (Unix ms).
        case silentSince(Int64)
    }

    /// At most this many hidden sessions are looked at per call (one per import, fork or template
    /// session under way: a handful; the rest wait for the next call, a minute later in tandemd).
    static let maxLooked = 1_000

    /// The hidden sessions being written (one indexed read; nothing is locked).
    static func candidates(_ db: Database) throws(StoreError) -> [Candidate] {
        try db.query("""
            SELECT sid, importer, updated_at FROM sessions WHERE status = '\(SessionImport.status)' ORDER BY sid LIMIT \(maxLooked)
            """) { Candidate(sid: $0.int(0), importer: $0.optionalText(1), updatedAt: $0.int(2)) }
    }

    /// Which of `candidates` to hand over, and why. Pure: `judge` tells the verdict on a writer.
    static func choose(_ candidates: [Candidate], now: Int64,
                       judge: (String?) -> ImportOwner.Verdict) -> [(sid: Int64, reason: Reason)] {
        let cutoff = now - SessionImport.abandonedAfterMilliseconds
        var verdicts: [String: ImportOwner.Verdict] = [:]
        return candidates.compactMap { c in
            if let importer = c.importer {
                let verdict = verdicts[importer] ?? judge(importer)
                verdicts[importer] = verdict
                if verdict == .gone { return (c.sid, .writerGone(importer: importer)) }
            }
            return c.updatedAt < cutoff ? (c.sid, .silentSince(cutoff)) : nil
        }
    }

    /// Hands the chosen sessions over, each only if it is still as it was read: still hidden, the
    /// same writer, or still silent (a live writer may have taken a step since). Returns how many.
    static func handOver(_ db: Database, _ chosen: [(sid: Int64, reason: Reason)]) throws(StoreError) -> Int {
        var count = 0
        for (sid, reason) in chosen {
            let base = "UPDATE sessions SET \(SessionReaper.handOver) WHERE sid = ? AND status = '\(SessionImport.status)'"
            switch reason {
            case .writerGone(let importer):
                count += try db.run(base + " AND importer = ?", [.integer(sid), .text(importer)])
            case .silentSince(let cutoff):
                count += try db.run(base + " AND updated_at < ?", [.integer(sid), .integer(cutoff)])
            }
        }
        return count
    }

    /// What to hand over now, read on `db` (the database at `databasePath`) and judged by what its
    /// lock file (`WriterLock`) and `/proc` say. The lock file is looked at after the read: a slot
    /// is locked before any row records it, so one read free was dropped by its holder for good.
    static func due(_ db: Database, databasePath: String, now: Int64) throws(StoreError) -> [(sid: Int64, reason: Reason)] {
        let found = try candidates(db)
        guard !found.isEmpty else { return [] }
        let slots = Set(found.compactMap { ImportOwner(token: $0.importer)?.lock })
        let locks = WriterLock.look(slots, databasePath: databasePath)
        return choose(found, now: now) { LocalProcesses.judge($0, locks: locks) }
    }
}
