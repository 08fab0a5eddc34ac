/// How a join shares its session's fan-out lock with the session's publishes (`finishJoin`).
///
/// Not a setting: fixed for a server's life. Tests lower the numbers to make joins go round the
/// catch-up loop, and change the session between a join's read and its subscription.
struct JoinTuning: Sendable, Equatable {
    /// Events a join reads under the fan-out lock per page: what was committed while it read.
    var pageUnderLock = Dispatcher.replayPageEvents
    /// Catch-ups outside the lock a join makes, when one page did not reach the head, before it
    /// reads the rest under the lock.
    var catchUps = 3
    /// Runs after a join's read, before it takes the fan-out lock.
    var afterRead: (@Sendable () -> Void)? = nil

    /// `ServerConfiguration` is Equatable; closures have no identity, so the hook compares by presence.
    static func == (a: JoinTuning, b: JoinTuning) -> Bool {
        a.pageUnderLock == b.pageUnderLock && a.catchUps == b.catchUps && (a.afterRead == nil) == (b.afterRead == nil)
    }
}
