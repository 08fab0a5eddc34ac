/// How far a session's clears and checkpoint restores reached. Neither rewrites the turns it
/// retires (on a 1,000,000-turn session that held the write lock for seconds): each records one
/// row in `turn_retirements`, "the turns live now with `after < seq <= through` become `state`",
/// and readers apply it. A turn's state is the first of these that covers it, in the order they
/// were recorded, when it is stored live; its stored state otherwise (undo writes the turn itself).
/// A retirement always reaches the session's last turn of the moment, so later turns are live.
struct TurnRetirements: Sendable, Equatable {
    /// A run of seqs `after < seq <= through` whose stored-live turns read as `state`.
    struct Span: Sendable, Equatable {
        var after: Int64
        var through: Int64
        var state: TurnState
    }

    /// Disjoint, in seq order: each seq belongs to the earliest retirement that covered it.
    private(set) var spans: [Span] = []

    static let none = TurnRetirements()

    /// `recorded` in the order the retirements happened.
    init(_ recorded: [Span] = []) {
        for span in recorded { add(span) }
    }

    /// Adds the parts of `span` that no earlier retirement covers.
    private mutating func add(_ span: Span) {
        let pieces = uncovered(after: span.after, through: span.through).map { Span(after: $0.after, through: $0.through, state: span.state) }
        spans = (spans + pieces).sorted { $0.after < $1.after }
    }

    /// The state readers see for turn `seq` stored as `stored`.
    func state(_ stored: TurnState, seq: Int64) -> TurnState {
        guard stored == .live, !spans.isEmpty else { return stored }
        // The last span starting below seq is the only one that can hold it.
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].after < seq { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, seq <= spans[lo - 1].through else { return stored }
        return spans[lo - 1].state
    }

    /// The runs of seqs in `after < seq <= through` that no retirement covers (where live turns
    /// can be), in seq order, as `(after, through)` pairs.
    func uncovered(after: Int64, through: Int64) -> [(after: Int64, through: Int64)] {
        var gaps: [(after: Int64, through: Int64)] = []
        var low = after
        for span in spans where span.through > low && span.after < through {
            if span.after > low { gaps.append((low, span.after)) }
            low = max(low, span.through)
        }
        if low < through { gaps.append((low, through)) }
        return gaps
    }

    /// A session's retirements (usually none: one query on an index).
    static func load(_ db: Database, sid: Int64) throws(StoreError) -> TurnRetirements {
        let recorded = try db.query("SELECT after, through, state FROM turn_retirements WHERE sid = ? ORDER BY id", [.integer(sid)]) {
            Span(after: $0.int(0), through: $0.int(1), state: TurnState(rawValue: $0.int(2)) ?? .cleared)
        }
        return recorded.isEmpty ? .none : TurnRetirements(recorded)
    }

    /// Records that the turns live now with `after < seq <= through` become `state`.
    static func record(_ db: Database, sid: Int64, after: Int64, through: Int64, state: TurnState) throws(StoreError) {
        guard after < through else { return }
        try db.run("INSERT INTO turn_retirements(sid, after, through, state) VALUES (?,?,?,?)",
                   [.integer(sid), .integer(after), .integer(through), .integer(state.rawValue)])
    }

    /// SQL condition that turn row `alias` is not covered by any retirement of its session (with
    /// `state = 0`: the turn is live). For queries over many sessions (search); one session's
    /// readers use `uncovered` ranges, which keep to the (sid, seq) index.
    static func notRetired(_ alias: String) -> String {
        "NOT EXISTS (SELECT 1 FROM turn_retirements r WHERE r.sid = \(alias).sid AND \(alias).seq > r.after AND \(alias).seq <= r.through)"
    }
}
