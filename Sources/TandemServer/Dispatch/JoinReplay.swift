import TandemProtocol
import TandemStore
import TandemTransport

/// The events a join sends after its answer, gathered page by page: most before the session's
/// fan-out lock is taken, the rest (normally none, or the few committed meanwhile) under it.
///
/// With `since` they are the replay (`backlog`), bounded in events and bytes across every page:
/// the whole of it is queued to the connection at once. Without `since` they are the events
/// committed after the join's snapshot (`head_eseq`) and before it subscribed: they go out as the
/// first live events would, unbounded like those.
struct JoinReplay {
    let session: String
    /// The session's `created_at` as the join first read it: a page of another (the session deleted
    /// and made again under its id since) is not of this session, whatever its event numbers.
    let created: Int64
    /// The session as it is now, for `session` events (see `EventFrames.event`).
    let info: SessionInfo?
    /// A share viewer sees what history shows (see `add`).
    let isViewer: Bool
    /// Past either, a replay is `resync_required`; nil without `since`.
    let limits: (events: Int64, bytes: Int)?
    /// The joining member (nil for a share viewer): whether a `member` event read removed them.
    let member: String?
    /// The last event seq read (the answer's `head_eseq` with `since`).
    private(set) var through: Int64
    /// Events read (the answer's `backlog` with `since`), with a frame or not.
    private(set) var count: Int64 = 0
    private(set) var bytes = 0
    /// The last turn seq among the turns read (the answer's `head_seq` is at least this).
    private(set) var lastTurnSeq: Int64 = 0
    /// The last `member` event read about `member` removed them: their access, checked before
    /// these events, may be gone (the join checks it again).
    private(set) var memberRemoved = false
    private(set) var frames: [SharedFrame] = []

    init(session: String, created: Int64, info: SessionInfo?, member: String?, limits: (events: Int64, bytes: Int)?,
         after: Int64) {
        self.session = session
        self.created = created
        self.member = member
        self.info = info
        self.isViewer = member == nil
        self.limits = limits
        self.through = after
    }

    /// Adds a page of the change log read after `through`; true when it reached the head it was
    /// read at (the caller asks again otherwise). A page of a session created at another time, or
    /// whose head is below `through`, is not of this session (another was made under its id
    /// since): `madeAgain`, and nothing is added.
    mutating func add(_ page: ChangeSet) throws -> Added {
        if page.lastEventSeq < through || page.isOfAnotherSession(than: created) { return .madeAgain }
        for var change in page.events where change.eventSeq > through {
            count += 1
            if let turn = change.turn { lastTurnSeq = max(lastTurnSeq, turn.seq) }
            if change.kind == .member, let member, change.data?["user"]?.stringValue == member {
                memberRemoved = change.removedMember != nil
            }
            // A share link shows what history shows: no text of a turn undone, cleared or rewound since.
            // Nor what only forbidden reads show (a restore's checkpoint, a merge's branch).
            if isViewer { change.hideRetired(); change.hideViewerDetail() }
            if let limits, count > limits.events {
                throw DispatchFailure(code: .resyncRequired, message: "more than \(limits.events) events to replay; join without since")
            }
            guard let frame = EventFrames.event(for: change, session: session, info: info) else { continue }
            bytes += frame.payloadCount
            if let limits, bytes > limits.bytes {
                throw DispatchFailure(code: .resyncRequired, message: "more than \(limits.bytes) bytes of events to replay (max-replay); join without since and page history")
            }
            frames.append(frame)
        }
        through = max(through, page.events.last?.eventSeq ?? through)
        guard page.events.isEmpty || through >= page.lastEventSeq else { return .more }
        through = max(through, page.lastEventSeq)
        return .head
    }

    enum Added { case head, more, madeAgain }
}
