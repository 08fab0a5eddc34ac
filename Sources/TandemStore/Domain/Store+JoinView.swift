/// What a join without `since` shows, read from one snapshot.
public struct JoinView: Sendable {
    public var session: Session
    /// The last live turns asked for, oldest first (empty when none were asked for).
    public var turns: [Turn]
    /// The rows, in key order (empty when not asked for); `stateMore` when the page was cut.
    public var rows: [StateRow]
    public var stateMore: Bool
}

extension Store {
    /// The session, its last `lastTurns` live turns and (with `includeState`) its rows, all from one
    /// read transaction: the client takes the session's head as the point live events follow, so
    /// nothing it is shown may be newer (read apart, a row written in between came both in the answer
    /// and again as an event) or older (a turn undone in between still shown).
    public func joinView(session: String, actor: String, lastTurns: Int?, includeState: Bool,
                         stateLimit: Int, budget: PageBudget) throws(StoreError) -> JoinView {
        if let lastTurns, !(1...100_000).contains(lastTurns) { throw StoreError.invalid("limit must be 1...100000") }
        return try read { db throws(StoreError) in
            let ref = try db.authorize(.sessionGet, session: session, actor: actor)
            let info = try SessionRows.load(db, sid: ref.sid)
            var view = JoinView(session: info, turns: [], rows: [], stateMore: false)
            if let lastTurns {
                _ = try db.authorize(.history, session: session, actor: actor)
                view.turns = try Self.turnPage(db, sid: ref.sid, session: session, after: 0, through: info.lastTurnSeq, newest: true,
                                               limit: lastTurns, author: nil, includeRetired: false, budget: budget).turns
            }
            if includeState {
                _ = try db.authorize(.stateGet, session: session, actor: actor)
                let page = try Self.statePage(db, sid: ref.sid, after: nil, limit: stateLimit, budget: budget)
                (view.rows, view.stateMore) = (page.rows, page.more)
            }
            return view
        }
    }
}
