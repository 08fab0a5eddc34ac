/// The client side of the recovery contract for one joined session: remembers the last applied `eseq`,
/// says what to do with each incoming event, and builds the `session.join` for a reconnect.
public struct EventCursor: Sendable, Equatable {
    /// What to do with an incoming event.
    public enum Verdict: Sendable, Equatable {
        /// The next durable event: apply it (the cursor has moved past it).
        case apply
        /// Ephemeral (presence, share.expired): apply it; it does not move the cursor.
        case ephemeral
        /// Already applied: ignore it.
        case duplicate
        /// Events are missing before this one: do not apply it; rejoin with `since: lastEseq`.
        case gap(expected: Int64, got: Int64)
    }

    public let session: String
    /// The highest eseq applied; 0 before the first join.
    public private(set) var lastEseq: Int64
    /// Replayed events still to come after a join with `since`.
    public private(set) var backlog: Int64 = 0
    /// The session's `created`, from the last join: a resume names it, so that a session deleted
    /// and created again under the same id answers `resync_required` instead of splicing.
    public private(set) var created: Timestamp?

    public init(session: String, lastEseq: Int64 = 0) {
        self.session = session
        self.lastEseq = lastEseq
    }

    /// True once the replay that followed the last join is done and events are live.
    public var isLive: Bool { backlog == 0 }

    /// The join to send: resume with `since` when something was applied before, else a fresh join.
    public func joinParams(last: Int64 = 100, includeState: Bool = true) -> JoinParams {
        lastEseq > 0
            ? JoinParams(session: session, since: lastEseq, created: created)
            : JoinParams(session: session, last: last, includeState: includeState)
    }

    /// Records the join's answer. A fresh join starts from its head (the snapshot in the result covers the
    /// rest); a resumed one expects `backlog` replayed events next.
    public mutating func joined(_ result: JoinResult, resumed: Bool) {
        created = result.session.created
        if resumed {
            backlog = result.backlog
        } else {
            lastEseq = result.headEseq
            backlog = 0
        }
    }

    /// Classifies an event of this session and advances the cursor when it is to be applied.
    public mutating func accept(_ event: Event) -> Verdict {
        guard let eseq = event.eseq else { return .ephemeral }
        if eseq <= lastEseq { return .duplicate }
        // A session's `deleted` may follow a gap: changes another process wrote just before deleting
        // it went with its log unpublished, and nothing can be read again (protocol.md, "Recovery").
        if case .session(let change) = event.payload, change.change == .deleted, eseq > lastEseq {
            lastEseq = eseq
            backlog = 0
            return .apply
        }
        guard eseq == lastEseq + 1 else { return .gap(expected: lastEseq + 1, got: eseq) }
        lastEseq = eseq
        if backlog > 0 { backlog -= 1 }
        return .apply
    }

    /// Forgets everything (after `resync_required`): the next join is a fresh one.
    public mutating func reset() {
        lastEseq = 0
        backlog = 0
        created = nil
    }
}
