import Foundation

/// Long writes (an import, a branch's copy) as many short transactions, so that nobody else's
/// commits wait behind them for long.
extension Store {
    /// One step: a write job, then, when other writes wanted the writer during it or were
    /// answered within `StepPause.window`, a pause of `stepPause` times as long as it took, so
    /// that they keep their share of it; none on a writer that served nothing else that recently
    /// (`StepPause`; `adaptiveStepPause`). A checkpoint interval at least while the WAL is long
    /// (see `walIsLong`).
    func writeStep<T: Sendable>(pastQueueLimit: Bool = false,
                                _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T) throws(StoreError) -> T {
        let before = writer.activity
        let started = ContinuousClock.now
        let result = try write(pastQueueLimit: pastQueueLimit, paced: true, body)
        let ended = ContinuousClock.now
        // What the writer did for others from the step's submission to its answer (the step is
        // paced: not counted), what is queued now, and when it last answered another write.
        let others = writer.activity.since(before)
        let decision = StepPause.after(step: ended - started, factor: configuration.stepPause, others: others,
                                       sharedRecently: StepPause.isRecent(others.lastServed, now: ended),
                                       adaptive: configuration.adaptiveStepPause, walIsLong: walIsLong,
                                       walWait: .milliseconds(configuration.checkpointIntervalMilliseconds))
        stepPauses.withLock { $0.note(decision) }
        if decision.pause > .zero { Thread.sleep(forTimeInterval: decision.pause.timeInterval) }
        return result
    }

    /// Completes the hidden session `sid` (inserted by the caller, see
    /// `SessionImport.insertHidden`): `fill` writes the rest of it in steps, then `publish`
    /// shows it in one transaction. If either fails, the hidden session is handed to the delete
    /// steps, so nothing of it stays.
    func buildHidden<R: Sendable>(sid: Int64, fill: () throws(StoreError) -> Void,
                                  publish: @escaping @Sendable (WriteContext) throws(StoreError) -> R) throws(StoreError) -> R {
        do throws(StoreError) {
            try fill()
            return try write(publish)
        } catch {
            _ = try? write { ctx throws(StoreError) in try SessionImport.abandon(ctx, sid: sid) }
            throw error
        }
    }
}
