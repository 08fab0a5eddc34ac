/// The sessions a branch merge under way holds (`branch_merges`, see `BranchMergeJob`), as the
/// writer's connection sees them, and whether the running job ran into one.
///
/// Every write that names a session resolves it through `Database.sessionRefAndCounters`; on the
/// writer's connection that lookup refuses a held session and notes it here (`parkedOn`), and the
/// writer then undoes the job and parks it until the hold is lifted (`StoreWriter`). The set is read
/// from the table at the start of every batch (one read of a table that is empty but while a merge
/// runs), so a hold made or lifted by another process (another tandemd step, `tandem-admin`
/// finishing a merge at its open) counts from the next batch on.
/// Not thread-safe: used by the writer thread only.
final class SessionHolds {
    /// Held session sids (parents and branches alike).
    private(set) var held: Set<Int64> = []
    /// Sessions with parked jobs not yet queued again (set by the writer): a later job of one of
    /// them parks too, even once its hold was lifted in this batch, so none overtakes them.
    var waiting: Set<Int64> = []
    /// The held session the running job asked for, if any (reset by `beginJob`).
    private(set) var parkedOn: Int64?
    /// Set while a step of a merge (or a read run on the writer) runs: it acts on held sessions.
    var bypass = false
    /// Whether the running job changed the set (undone if the job is).
    private(set) var changedByJob = false

    func beginJob() {
        parkedOn = nil
        changedByJob = false
        bypass = false
    }

    /// Whether `sid` is held for the running job; notes it when it is.
    func refuses(_ sid: Int64) -> Bool {
        guard !bypass, held.contains(sid) || waiting.contains(sid) else { return false }
        if parkedOn == nil { parkedOn = sid }
        return true
    }

    func isHeld(_ sid: Int64) -> Bool { held.contains(sid) }

    func add(_ sids: Int64...) {
        held.formUnion(sids)
        changedByJob = true
    }

    func remove(_ sids: Int64...) {
        held.subtract(sids)
        changedByJob = true
    }

    /// Reads the holds from `branch_merges` (inside the writer's transaction).
    func reload(_ db: Database) throws(StoreError) {
        held = try Self.read(db)
        changedByJob = false
    }

    /// The held sids as `db` sees them now: in the writer's transaction, or between batches in a
    /// read transaction of the statement's own, which takes no write lock (`StoreWriter.parkedHoldLifted`).
    static func read(_ db: Database) throws(StoreError) -> Set<Int64> {
        var found: Set<Int64> = []
        try db.forEachWhile("SELECT branch_sid, parent_sid FROM branch_merges", []) { row throws(StoreError) -> Bool in
            found.insert(row.int(0))
            found.insert(row.int(1))
            return true
        }
        return found
    }
}
