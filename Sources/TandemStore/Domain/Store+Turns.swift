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

    /// The last `count` turns (all states), oldest first.
    public func lastTurns(session: String, actor: String, count: Int) throws(StoreError) -> [Turn] {
        guard (1...10_000).contains(count) else { throw StoreError.invalid("count must be 1...10000") }
        return try turnQuery(session: session, actor: actor, """
            SELECT * FROM (SELECT \(TurnRows.columns) FROM turns WHERE sid = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq
            """, [.int(count)])
    }

    /// The turns a history page shows, oldest first: those with `after < seq <= through`,
    /// by `author` when given, live only unless `includeRetired`; the first `limit` of them, or
    /// the last `limit` when `newest`. Every filter is applied before the limit, so "the last 3
    /// live turns" are three even when the newest stored turns were undone or cleared.
    public func turns(session: String, actor: String, after: Int64 = 0, through: Int64 = .max, newest: Bool = false,
                      limit: Int, author: String? = nil, includeRetired: Bool = false) throws(StoreError) -> [Turn] {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            let retired = try TurnRetirements.load(db, sid: ref.sid)
            let found: [Turn]
            if includeRetired {
                found = try db.query("""
                    SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND seq > ? AND seq <= ?\(author == nil ? "" : " AND author = ?")
                    ORDER BY seq \(newest ? "DESC" : "ASC") LIMIT ?
                    """, [.integer(ref.sid), .integer(after), .integer(through)] + (author.map { [.text($0)] } ?? []) + [.int(limit)]) { row throws(StoreError) in
                    try TurnRows.map(row, sessionID: session, retired: retired)
                }
            } else {
                found = try Turns.live(db, sid: ref.sid, sessionID: session, retired: retired, after: after, through: through,
                                       author: author, newestFirst: newest, limit: limit)
            }
            return newest ? found.reversed() : found
        }
    }

    /// Turns with seq > `seq`, oldest first, at most `limit`.
    public func turns(session: String, actor: String, since seq: Int64, limit: Int = 1000) throws(StoreError) -> [Turn] {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try turnQuery(session: session, actor: actor,
                             "SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND seq > ? ORDER BY seq LIMIT ?",
                             [.integer(seq), .int(limit)])
    }

    /// Turns with `range.lowerBound <= seq <= range.upperBound`, oldest first.
    public func turns(session: String, actor: String, range: ClosedRange<Int64>) throws(StoreError) -> [Turn] {
        guard range.upperBound - range.lowerBound < 100_000 else { throw StoreError.invalid("range spans more than 100000 turns") }
        return try turnQuery(session: session, actor: actor,
                             "SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND seq BETWEEN ? AND ? ORDER BY seq",
                             [.integer(range.lowerBound), .integer(range.upperBound)])
    }

    /// Turns written by `author`, oldest first, at most `limit`.
    public func turns(session: String, actor: String, author: String, limit: Int = 1000) throws(StoreError) -> [Turn] {
        guard (1...100_000).contains(limit) else { throw StoreError.invalid("limit must be 1...100000") }
        return try turnQuery(session: session, actor: actor,
                             "SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND author = ? ORDER BY seq LIMIT ?",
                             [.text(author), .int(limit)])
    }

    private func turnQuery(session: String, actor: String, _ sql: String, _ args: [SQLValue]) throws(StoreError) -> [Turn] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.history, session: session, actor: actor)
            let retired = try TurnRetirements.load(db, sid: ref.sid)
            return try db.query(sql, [.integer(ref.sid)] + args) { row throws(StoreError) in
                try TurnRows.map(row, sessionID: session, retired: retired)
            }
        }
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
                throw StoreError(.conflict, "turn \(expectedSeq) is not the last live turn (\(last.seq) is)")
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
    /// Writes one row whatever the session's length (`TurnRetirements`).
    public func clearTurns(session: String, actor: String) throws(StoreError) -> (clearedThrough: Int64, eventSeq: Int64) {
        try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorizeChange(.clear, session: session, actor: actor)
            let through = try ctx.db.scalar("SELECT last_turn_seq FROM sessions WHERE sid = ?", [.integer(ref.sid)]) ?? 0
            try TurnRetirements.record(ctx.db, sid: ref.sid, after: 0, through: through, state: .cleared)
            let seq = try ctx.recordEvent(sid: ref.sid, kind: "clear", actor: actor, turnSeq: through)
            try ctx.db.audit(actor: actor, action: "turns.clear", sessionID: session, detail: ["through": .integer(through)], now: ctx.now)
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

enum Turns {
    struct Prepared: Sendable {
        var role: TurnRole
        var content: String
        var metadata: String
        var metadataValue: JSONValue
        var tokensIn: Int64
        var tokensOut: Int64
        var nonce: String?
    }

    /// Validation happens on the caller's thread, before the job is queued: bad input never
    /// reaches the database.
    static func prepare(_ turns: [NewTurn], _ config: StoreConfiguration) throws(StoreError) -> [Prepared] {
        guard !turns.isEmpty else { throw StoreError.invalid("no turns to append") }
        guard turns.count <= config.maxBatchTurns else {
            throw StoreError(.tooLarge, "\(turns.count) turns in one append; the limit is \(config.maxBatchTurns)")
        }
        var out: [Prepared] = []
        out.reserveCapacity(turns.count)
        for t in turns {
            try Validate.text(t.content, what: "turn content", max: config.maxContentBytes, allowEmpty: true)
            let meta = try Validate.object(t.metadata, what: "turn metadata", max: config.maxJSONBytes)
            guard t.tokensIn >= 0, t.tokensOut >= 0 else { throw StoreError.invalid("token counts must not be negative") }
            if let nonce = t.nonce { try Validate.nonce(nonce) }
            out.append(Prepared(role: t.role, content: t.content, metadata: meta, metadataValue: t.metadata,
                                tokensIn: t.tokensIn, tokensOut: t.tokensOut, nonce: t.nonce))
        }
        return out
    }

    /// Runs without a savepoint: every check (access, status) happens before the first write,
    /// and the counters are reserved in memory, so only an SQLite error can fail it half-way.
    static func append(_ ctx: WriteContext, session: String, actor: String, _ turns: [Prepared]) throws(StoreError) -> AppendResult {
        let db = ctx.db
        let ref = try ctx.authorizeChange(.postTurn, session: session, actor: actor)
        if turns.contains(where: { $0.nonce != nil }), let earlier = try duplicates(db, sid: ref.sid, session: session, actor: actor, turns) {
            return AppendResult(turns: earlier, duplicate: true)
        }
        let n = Int64(turns.count)
        // Reserve n turn numbers and n event numbers at once.
        let (lastSeq, lastEvent) = try ctx.reserve(sid: ref.sid, turns: n, events: n)
        var out: [Turn] = []
        out.reserveCapacity(turns.count)
        var counts = ContributionCounts()
        for (i, t) in turns.enumerated() {
            let seq = lastSeq - n + 1 + Int64(i)
            let eventSeq = lastEvent - n + 1 + Int64(i)
            try insert(db, sid: ref.sid, seq: seq, role: t.role.rawValue, author: actor, content: t.content,
                       metadata: t.metadata, tokensIn: t.tokensIn, tokensOut: t.tokensOut, createdAt: ctx.now,
                       state: 0, eventSeq: eventSeq, nonce: t.nonce)
            counts.turns += 1
            counts.tokensIn += t.tokensIn
            counts.tokensOut += t.tokensOut
            out.append(Turn(sessionID: session, seq: seq, role: t.role, author: actor, content: t.content,
                            metadata: t.metadataValue, tokensIn: t.tokensIn, tokensOut: t.tokensOut, createdAt: ctx.now,
                            state: .live, eventSeq: eventSeq, nonce: t.nonce))
        }
        ctx.count(sid: ref.sid, user: actor, counts)
        return AppendResult(turns: out)
    }

    static func insert(_ db: Database, sid: Int64, seq: Int64, role: String, author: String, content: String,
                       metadata: String, tokensIn: Int64, tokensOut: Int64, createdAt: Int64, state: Int64,
                       eventSeq: Int64, nonce: String? = nil) throws(StoreError) {
        try db.run("""
            INSERT INTO turns(sid, seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state, event_seq, nonce)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """) { stmt throws(StoreError) in
            try stmt.bind(sid, at: 1)
            try stmt.bind(seq, at: 2)
            try stmt.bind(role, at: 3)
            try stmt.bind(author, at: 4)
            try stmt.bind(content, at: 5)
            try stmt.bind(metadata, at: 6)
            try stmt.bind(tokensIn, at: 7)
            try stmt.bind(tokensOut, at: 8)
            try stmt.bind(createdAt, at: 9)
            try stmt.bind(state, at: 10)
            try stmt.bind(eventSeq, at: 11)
            try stmt.bind(nonce.map { SQLValue.text($0) } ?? .null, at: 12)
        }
    }

    /// The turns already stored under these nonces when every one is a repeat of the same post;
    /// nil when none is. A nonce reused for a different post, or a batch that only partly
    /// repeats, is a `conflict`: retrying must not silently write half of it.
    static func duplicates(_ db: Database, sid: Int64, session: String, actor: String,
                           _ turns: [Prepared]) throws(StoreError) -> [Turn]? {
        var found: [Turn] = []
        var retired: TurnRetirements? // read once a repeat is found: most posts are new
        for t in turns {
            guard let nonce = t.nonce,
                  let stored = try db.queryOne("SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND author = ? AND nonce = ?",
                                               [.integer(sid), .text(actor), .text(nonce)], { row throws(StoreError) in
                                                   try TurnRows.map(row, sessionID: session, retired: .none)
                                               })
            else { continue }
            if retired == nil { retired = try TurnRetirements.load(db, sid: sid) }
            var earlier = stored
            if let retired { earlier.state = retired.state(stored.state, seq: stored.seq) }
            guard earlier.role == t.role, earlier.content == t.content, earlier.metadata == t.metadataValue,
                  earlier.tokensIn == t.tokensIn, earlier.tokensOut == t.tokensOut else {
                throw StoreError(.conflict, "nonce \(nonce) was already used for a different turn (seq \(earlier.seq))")
            }
            found.append(earlier)
        }
        if found.isEmpty { return nil }
        guard found.count == turns.count else {
            throw StoreError(.conflict, "some turns of this batch were already posted under their nonces; post the rest with new nonces")
        }
        return found
    }

    /// The live turns (stored live, no clear or restore covering them) with `after < seq <=
    /// through`, oldest first, or newest first; at most `limit`. One index range per stretch that
    /// no retirement covers: never a walk over retired turns. Undo, clear and restore leave the
    /// search index alone (the text is unchanged); search returns only live turns.
    static func live(_ db: Database, sid: Int64, sessionID: String, retired: TurnRetirements, after: Int64,
                     through: Int64 = .max, author: String? = nil, newestFirst: Bool = false,
                     limit: Int = .max) throws(StoreError) -> [Turn] {
        var stretches = retired.uncovered(after: after, through: through)
        if newestFirst { stretches.reverse() }
        var found: [Turn] = []
        for stretch in stretches where found.count < limit {
            found += try db.query("""
                SELECT \(TurnRows.columns) FROM turns WHERE sid = ? AND seq > ? AND seq <= ? AND state = 0\(author == nil ? "" : " AND author = ?")
                ORDER BY seq \(newestFirst ? "DESC" : "ASC") LIMIT ?
                """, [.integer(sid), .integer(stretch.after), .integer(stretch.through)] + (author.map { [.text($0)] } ?? [])
                    + [.int(limit - found.count)]) { row throws(StoreError) in
                try TurnRows.map(row, sessionID: sessionID, retired: .none)
            }
        }
        return found
    }
}
