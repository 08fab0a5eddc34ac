/// How a writer whose only work is jobs parked behind a merge's hold sees the hold lifted by
/// another process (a `tandem-admin` waiting for tandemd's merge), every `parkedPollSeconds`.
extension StoreWriter {
    /// On the writer thread between batches, `condition` not held: whether a hold a parked job
    /// waits on is gone, as a read of `branch_merges` sees it now. The read is a transaction of its
    /// own, which in WAL mode neither waits for nor blocks a writer: looking takes no write lock.
    /// (Each look was an empty write transaction before: ten a second per waiting process, any of
    /// which the merge's next step in the other process could meet and wait for. Benchmarks/merge-park
    /// found neither kind of look slowing that merge, on a noisy host; see its note.) Only when a
    /// hold is gone does a batch run, whose transaction reads the holds again and lets the jobs go.
    /// A failed read says yes: the batch then looks, as every look did before.
    func parkedHoldLifted() -> Bool {
        condition.lock()
        let waitedOn = Set(parked.map(\.sid))
        condition.unlock()
        guard !waitedOn.isEmpty else { return false }
        guard let held = try? SessionHolds.read(context.db) else { return true }
        return !waitedOn.isSubset(of: held)
    }
}
