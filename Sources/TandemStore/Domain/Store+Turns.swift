import TandemJSON

/// What an append returns: the stored turns (with their seq and event seq) to broadcast.
public struct AppendResult: Sendable, Equatable {
    public var turns: [Turn]
    /// True when every turn was already there under its nonce: nothing was written, and `turns`
    /// are the originals.
    public var duplicate: Bool = false
    /// The change-log number of the last appended turn.
    public var eventSeq: Int64 { turns.last?.eventSeq ?? 0 }
}

extension Store {
    /// Appends one turn authored by `actor` (write+) and waits until it is durable.
    public func appendTurn(session: String, actor: String, _ turn: NewTurn) throws(StoreError) -> Turn {
        try appendTurns(session: session, actor: actor, [turn]).turns[0]
    }

    /// Appends turns in order, atomically (all or none), and waits until they are durable.
    public func appendTurns(session: String, actor: String, _ turns: [NewTurn]) throws(StoreError) -> AppendResult {
        let prepared = try Turns.prepare(turns, configuration)
        return try write(deferrable: true, savepoint: false) { ctx throws(StoreError) in
            try Turns.append(ctx, session: session, actor: actor, prepared)
        }
    }

    /// Non-blocking append: `completion` runs on the completion thread once the turns are durable
    /// (or with the error). Group commit batches concurrent appends into one transaction.
    /// `wakeWriter: false` leaves the wake-up to a later `writer.wakeForQueuedJobs()` (see
    /// `StoreWriter.enqueue`).
    public func appendTurns(session: String, actor: String, _ turns: [NewTurn], wakeWriter: Bool = true,
                            completion: @escaping @Sendable (Result<AppendResult, StoreError>) -> Void) {
        let prepared: [Turns.Prepared]
        do { prepared = try Turns.prepare(turns, configuration) } catch { completion(.failure(error)); return }
        writer.enqueue(deferrable: true, savepoint: false, wake: wakeWriter, { ctx throws(StoreError) in
            try Turns.append(ctx, session: session, actor: actor, prepared)
        }, completion: completion)
    }

    /// The turns a history page shows, oldest first: those with `after < seq <= through`,
    /// by `author` when given, live only unless `includeRetired`; the first `limit` of them, or
    /// the last `limit` when `newest`. Every filter is applied before the limit, so "the last 3
    /// live turns" are three even when the newest stored turns were undone or cleared.
    public func turns(session: String, actor: String, after: Int64 = 0, through: Int64 = .max, newest: Bool = false,
                      limit: Int, author: String? = nil, includeRetired: Bool = false) throws(StoreError) -> [Turn] {
        try turnPage(session: session, actor: actor, after: after, through: through, newest: newest, limit: limit,
                     author: author, includeRetired: includeRetired, budget: .unlimited).turns
    }

    /// `turns(...)`, also stopping where `budget` is spent (the newest turns are kept when `newest`);
    /// `cut` says it stopped there with turns left; `headSeq` is the session's last turn seq in the same
    /// snapshot (read apart, it could be a later one than the page shows).
    public func turnPage(session: String, actor: String, after: Int64 = 0, through: Int64 = .max, newest: Bool = false,
                         limit: Int, author: String? = nil, includeRetired: Bool = false,
                         budget: PageBudget) throws(StoreError) -> (turns: [Turn], cut: Bool, headSeq: Int64) {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            let page = try Self.turnPage(db, sid: ref.sid, session: session, after: after, through: through, newest: newest,
                                         limit: limit, author: author, includeRetired: includeRetired, budget: budget)
            let head = try db.scalar("SELECT last_turn_seq FROM sessions WHERE sid = ?", [.integer(ref.sid)]) ?? 0
            return (page.turns, page.cut, head)
        }
    }

    /// `turnPage` on a connection already in a read transaction, for an authorized session.
    static func turnPage(_ db: Database, sid: Int64, session: String, after: Int64, through: Int64, newest: Bool,
                         limit: Int, author: String?, includeRetired: Bool,
                         budget: PageBudget) throws(StoreError) -> (turns: [Turn], cut: Bool) {
        let retired = try TurnRetirements.load(db, sid: sid)
        var budget = budget
        var found: [Turn] = []
        if includeRetired {
            try db.forEachWhile(Turns.pageSQL(author: author != nil, liveOnly: false, newestFirst: newest),
                                Turns.pageArguments(sid: sid, after: after, through: through, author: author, limit: limit)) { row throws(StoreError) -> Bool in
                let turn = try TurnRows.map(row, sessionID: session, retired: retired)
                guard budget.take(PageBudget.size(of: turn)) else { return false }
                found.append(turn)
                return true
            }
        } else {
            found = try Turns.live(db, sid: sid, sessionID: session, retired: retired, after: after, through: through,
                                   author: author, newestFirst: newest, limit: limit, budget: &budget)
        }
        return (newest ? found.reversed() : found, budget.isExhausted)
    }

    /// The last `count` turns (all states), oldest first.
    public func lastTurns(session: String, actor: String, count: Int) throws(StoreError) -> [Turn] {
        guard (1...10_000).contains(count) else { throw StoreError.invalid("count must be 1...10000") }
        return try turns(session: session, actor: actor, newest: true, limit: count, includeRetired: true)
    }

    /// Turns with seq > `seq` (all states), oldest first, at most `limit`.
    public func turns(session: String, actor: String, since seq: Int64, limit: Int = 1000) throws(StoreError) -> [Turn] {
        try turns(session: session, actor: actor, after: seq, limit: limit, includeRetired: true)
    }

    /// Turns with `range.lowerBound <= seq <= range.upperBound` (all states), oldest first.
    public func turns(session: String, actor: String, range: ClosedRange<Int64>) throws(StoreError) -> [Turn] {
        guard range.upperBound - range.lowerBound < 100_000 else { throw StoreError.invalid("range spans more than 100000 turns") }
        return try turns(session: session, actor: actor, after: range.lowerBound - 1, through: range.upperBound,
                         limit: Int(range.upperBound - range.lowerBound + 1), includeRetired: true)
    }

    /// Turns written by `author` (all states), oldest first, at most `limit`.
    public func turns(session: String, actor: String, author: String, limit: Int = 1000) throws(StoreError) -> [Turn] {
        try turns(session: session, actor: actor, limit: limit, author: author, includeRetired: true)
    }

    /// Undoes (pops) the last live turn: marked `undone`, never erased. A writer may undo only
    /// their own turn; admins and owners any. With `expectedSeq`, only if that is the last live
    /// turn (checked in the same transaction, so a post racing the undo cannot be undone in its
    /// place), else `conflict`. Returns the undone turn and the event seq.
    public func undoLastTurn(session: String, actor: String, expectedSeq: Int64? = nil) throws(StoreError) -> (turn: Turn, eventSeq: Int64) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorizeChange(.undoOwn, session: session, actor: actor)
            let retired = try TurnRetirements.load(ctx.db, sid: ref.sid)
            guard let last = try Turns.live(ctx.db, sid: ref.sid, sessionID: session, retired: retired, after: 0,
                                            newestFirst: true, limit: 1).first
            else { throw StoreError(.invalidState, "session \(session) has no live turn to undo") }
            if let expectedSeq, last.seq != expectedSeq {
                // Past the last live turn: a seq no live turn has, not a turn posted meanwhile.
                let what = expectedSeq > last.seq ? "there is no live turn \(expectedSeq)" : "turn \(expectedSeq) is not the last live turn"
                throw StoreError(.conflict, "\(what) (the last live turn is \(last.seq))")
            }
            if last.author != actor && !Permissions.allows(role: ref.role ?? .read, operation: .undoAny) {
                throw StoreError.forbidden("only admins may undo another member's turn")
            }
            try ctx.db.run("UPDATE turns SET state = 1 WHERE sid = ? AND seq = ?", [.integer(ref.sid), .integer(last.seq)])
            let seq = try ctx.recordEvent(sid: ref.sid, kind: "undo", actor: actor, turnSeq: last.seq)
            ctx.count(sid: ref.sid, user: actor, ContributionCounts(undos: 1))
            var undone = last
            undone.state = .undone
            return (undone, seq)
        }
    }

    /// Clears the session (admin+): every live turn becomes `cleared`. Recorded and audited.
    /// Writes one row whatever the session's length (`TurnRetirements`). With no live turn left
    /// there is nothing to clear, and nothing is written (no event, no audit entry: a `cleared`
    /// event would tell clients to drop a view that has no turns, and a clear that retired nothing
    /// must not make checkpoints stale): the answer is `clearedThrough` 0 and the session's
    /// current event seq.
    public func clearTurns(session: String, actor: String) throws(StoreError) -> (clearedThrough: Int64, eventSeq: Int64) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorizeChange(.clear, session: session, actor: actor)
            let info = try SessionRows.load(ctx.db, sid: ref.sid)
            let through = info.lastTurnSeq
            guard let first = try Turns.firstLive(ctx.db, sid: ref.sid, after: 0, through: through) else {
                return (0, info.lastEventSeq)
            }
            try TurnRetirements.record(ctx.db, sid: ref.sid, after: 0, through: through, state: .cleared)
            // `retired_from`: the first turn it retired, so a checkpoint holding only turns before
            // it stays restorable (`Checkpoints.staleness`).
            let seq = try ctx.recordEvent(sid: ref.sid, kind: "clear", actor: actor, turnSeq: through,
                                          data: ["retired_from": .integer(first)])
            try ctx.db.audit(actor: actor, action: .turnsClear, sessionID: session, detail: ["through": .integer(through)], now: ctx.now)
            return (through, seq)
        }
    }

    /// Empties the full-text index and waits until it is rebuilt from the turns table (repair: the
    /// index keeps itself complete; deleting the search file while the server is stopped does the
    /// same at the next start).
    public func rebuildSearchIndex() throws(StoreError) {
        try resetSearchIndex()
    }
}
