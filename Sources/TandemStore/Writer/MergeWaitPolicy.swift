/// How a write parked behind a branch merge's hold (`StoreWriter`, `SessionHolds`) is bounded, for
/// a tool run by a person or a cron job: a merge in steps may hold a session for minutes, and a
/// write that waits on it silently looks like a hang (`StoreConfiguration.mergeWait`).
public struct MergeWaitPolicy: Sendable {
    /// How long a write waits parked before `notice` is told of it (once per write).
    public var noticeAfter: Duration
    /// How long a write waits parked before it is answered `busy` (`StoreError.mergeWait` set).
    /// A parked write was undone when it parked, so nothing of it is written.
    public var limit: Duration
    /// Called on the writer's thread; keep it short.
    public var notice: @Sendable (MergeWait) -> Void

    public init(noticeAfter: Duration = .seconds(1), limit: Duration, notice: @escaping @Sendable (MergeWait) -> Void) {
        self.noticeAfter = noticeAfter
        self.limit = limit
        self.notice = notice
    }
}

/// A write waiting for a branch merge: the held session it asked for, and the merge that holds it.
public struct MergeWait: Sendable, Equatable {
    /// The held session the write asked for (the merge's branch or the session merged into).
    public var session: String
    /// The branch being merged, and the session it is merged into (nil: the merge had just ended).
    public var branch: String?
    public var into: String?
    /// How long the write has waited so far.
    public var waited: Duration

    public init(session: String, branch: String?, into: String?, waited: Duration) {
        self.session = session
        self.branch = branch
        self.into = into
        self.waited = waited
    }
}
