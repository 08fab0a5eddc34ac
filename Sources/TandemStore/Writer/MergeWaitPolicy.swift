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

extension MergeWait {
    /// What the write waits for, in the one wording the store's `busy` answer and a tool's lines
    /// share: "session 'b' is being merged into (branch 'c')", or for the branch itself "session
    /// 'c' is being merged into 'b'"; with `merger` "tandemd": "... by tandemd (branch 'c')".
    /// `still`: said past the limit. `show` makes an id fit to print (a tool's terminal).
    public func described(still: Bool = false, merger: String? = nil, show: (String) -> String = { $0 }) -> String {
        let waiting = "session '\(show(session))' is \(still ? "still " : "")being merged into"
        let by = merger.map { " by \($0)" } ?? ""
        guard let branch, let into else { return waiting + by }
        if session == branch { return "\(waiting) '\(show(into))'\(by)" }
        return "\(waiting)\(by) (branch '\(show(branch))')"
    }

    /// The answer to a write parked past the limit, `limit` written as the operator would ("2",
    /// "0.5"): "session 'b' is still being merged into (branch 'c') after 2 s: nothing was written;
    /// retry when the merge ends".
    public func refusal(after limit: String, merger: String? = nil, show: (String) -> String = { $0 }) -> String {
        "\(described(still: true, merger: merger, show: show)) after \(limit) s: nothing was written; retry when the merge ends"
    }

    /// `seconds` as an operator writes them: "2", "0.5".
    public static func seconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
