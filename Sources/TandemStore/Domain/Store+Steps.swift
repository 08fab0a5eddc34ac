import Foundation

/// Long writes (an import, a branch's copy) as many short transactions, so that nobody else's
/// commits wait behind them for long.
extension Store {
    /// One step: a write job, then a pause of `stepPause` times as long as it took, so that other
    /// writers get the lock meanwhile (a checkpoint interval while the WAL is long, see
    /// `walIsLong`).
    func writeStep<T: Sendable>(pastQueueLimit: Bool = false,
                                _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T) throws(StoreError) -> T {
        let started = ContinuousClock.now
        let result = try write(pastQueueLimit: pastQueueLimit, body)
        var pause = (ContinuousClock.now - started) * configuration.stepPause
        if walIsLong { pause = max(pause, .milliseconds(configuration.checkpointIntervalMilliseconds)) }
        if pause > .zero { Thread.sleep(forTimeInterval: pause.timeInterval) }
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
