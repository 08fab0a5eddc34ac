import TandemJSON

/// The turn rows: validation, append (the hot path), insert, nonce repeats and live ranges.
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
            let meta = try Validate.object(t.metadata, what: "turn metadata", max: config.maxMetadataBytes)
            guard t.tokensIn >= 0, t.tokensOut >= 0 else { throw StoreError.invalid("token counts must not be negative") }
            guard t.tokensIn <= CountBound.most, t.tokensOut <= CountBound.most else {
                throw StoreError.invalid("token counts must be at most \(CountBound.most) (2^48)")
            }
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
        let ref: SessionRef
        do throws(StoreError) {
            ref = try ctx.authorizeChange(.postTurn, session: session, actor: actor)
        } catch {
            if let earlier = try repeatedAfterLosingTheRight(error, db, session: session, actor: actor, turns) {
                return AppendResult(turns: earlier, duplicate: true)
            }
            throw error
        }
        if turns.contains(where: { $0.nonce != nil }), let earlier = try duplicates(db, sid: ref.sid, session: session, actor: actor, turns) {
            return AppendResult(turns: earlier, duplicate: true)
        }
        let n = Int64(turns.count)
        // Reserve n turn numbers and n event numbers at once.
        let (lastSeq, lastEvent) = try ctx.reserve(sid: ref.sid, turns: n, events: n)
        var out: [Turn] = []
        out.reserveCapacity(turns.count)
        var counts = ContributionCounts(turns: n)
        for (i, t) in turns.enumerated() {
            let seq = lastSeq - n + 1 + Int64(i)
            let eventSeq = lastEvent - n + 1 + Int64(i)
            try insert(db, sid: ref.sid, seq: seq, role: t.role.rawValue, author: actor, content: t.content,
                       metadata: t.metadata, tokensIn: t.tokensIn, tokensOut: t.tokensOut, createdAt: ctx.now,
                       state: 0, eventSeq: eventSeq, nonce: t.nonce, roleLiteral: t.role.literal)
            counts.add(ContributionCounts(tokensIn: t.tokensIn, tokensOut: t.tokensOut))
            out.append(Turn(sessionID: session, seq: seq, role: t.role, author: actor, content: t.content,
                            metadata: t.metadataValue, tokensIn: t.tokensIn, tokensOut: t.tokensOut, createdAt: ctx.now,
                            state: .live, eventSeq: eventSeq, nonce: t.nonce))
        }
        ctx.count(sid: ref.sid, user: actor, counts)
        return AppendResult(turns: out)
    }

    /// Inserts one turn row. `roleLiteral`, when given, is `role` as a literal (a `TurnRole`'s):
    /// bound without a copy.
    static func insert(_ db: Database, sid: Int64, seq: Int64, role: String, author: String, content: String,
                       metadata: String, tokensIn: Int64, tokensOut: Int64, createdAt: Int64, state: Int64,
                       eventSeq: Int64, nonce: String? = nil, roleLiteral: StaticString? = nil) throws(StoreError) {
        // Every one of the twelve parameters is bound below, on every run.
        try db.run("""
            INSERT INTO turns(sid, seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state, event_seq, nonce)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """, bindsEveryParameter: true) { stmt throws(StoreError) in
            try stmt.bind(sid, at: 1)
            try stmt.bind(seq, at: 2)
            if let roleLiteral {
                try stmt.bind(roleLiteral, at: 3)
            } else {
                try stmt.bind(role, at: 3)
            }
            try stmt.bind(author, at: 4)
            try stmt.bind(content, at: 5)
            // Most turns carry no metadata (`Validate.object`'s "{}"): bound as a literal, which
            // SQLite neither copies nor frees, where a `String`'s text is copied on every run.
            if metadata == "{}" {
                try stmt.bind("{}" as StaticString, at: 6)
            } else {
                try stmt.bind(metadata, at: 6)
            }
            try stmt.bind(tokensIn, at: 7)
            try stmt.bind(tokensOut, at: 8)
            try stmt.bind(createdAt, at: 9)
            try stmt.bind(state, at: 10)
            try stmt.bind(eventSeq, at: 11)
            try stmt.bind(nonce.map { SQLValue.text($0) } ?? .null, at: 12)
        }
    }

    /// A post sent again after its answer was lost, refused now that the session is paused or
    /// archived or the poster's role is below `write`: it was written, so its turn is the answer
    /// (protocol.md, "Idempotent posting"), not a refusal a client reads as "nothing was written" and
    /// waits out. Only for a member, who may read the turn; nil when the refusal stands.
    private static func repeatedAfterLosingTheRight(_ refusal: StoreError, _ db: Database, session: String, actor: String,
                                                    _ turns: [Prepared]) throws(StoreError) -> [Turn]? {
        guard [.sessionPaused, .sessionArchived, .forbidden].contains(refusal.kind), turns.contains(where: { $0.nonce != nil }) else { return nil }
        let ref = try db.sessionRef(session, actor: actor)
        guard ref.role != nil else { return nil }
        return try duplicates(db, sid: ref.sid, session: session, actor: actor, turns)
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
            // Content byte for byte: String's `==` would take a canonically equivalent respelling
            // ("cafe\u{301}" for "caf\u{E9}") for the same turn, though it is another stored text.
            guard earlier.role == t.role, earlier.content.isByteIdentical(to: t.content), earlier.metadata == t.metadataValue,
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
    /// The seq of the first live turn with `after < seq <= through`, or nil (what a clear or a
    /// restore is about to retire): one index range per stretch no retirement covers.
    static func firstLive(_ db: Database, sid: Int64, after: Int64, through: Int64) throws(StoreError) -> Int64? {
        for stretch in try TurnRetirements.load(db, sid: sid).uncovered(after: after, through: through) {
            if let seq = try db.scalar("SELECT seq FROM turns WHERE sid = ? AND seq > ? AND seq <= ? AND state = 0 ORDER BY seq LIMIT 1",
                                       [.integer(sid), .integer(stretch.after), .integer(stretch.through)]) {
                return seq
            }
        }
        return nil
    }

    static func live(_ db: Database, sid: Int64, sessionID: String, retired: TurnRetirements, after: Int64,
                     through: Int64 = .max, author: String? = nil, newestFirst: Bool = false,
                     limit: Int = .max) throws(StoreError) -> [Turn] {
        var budget = PageBudget.unlimited
        return try live(db, sid: sid, sessionID: sessionID, retired: retired, after: after, through: through, author: author,
                        newestFirst: newestFirst, limit: limit, budget: &budget)
    }

    /// `live`, stopping where `budget` is spent.
    static func live(_ db: Database, sid: Int64, sessionID: String, retired: TurnRetirements, after: Int64,
                     through: Int64, author: String?, newestFirst: Bool, limit: Int,
                     budget: inout PageBudget) throws(StoreError) -> [Turn] {
        var stretches = retired.uncovered(after: after, through: through)
        if newestFirst { stretches.reverse() }
        var found: [Turn] = []
        for stretch in stretches where found.count < limit && !budget.isExhausted {
            try db.forEachWhile(pageSQL(author: author != nil, liveOnly: true, newestFirst: newestFirst),
                                pageArguments(sid: sid, after: stretch.after, through: stretch.through, author: author,
                                              limit: limit - found.count)) { row throws(StoreError) -> Bool in
                let turn = try TurnRows.map(row, sessionID: sessionID, retired: .none)
                guard budget.take(PageBudget.size(of: turn)) else { return false }
                found.append(turn)
                return true
            }
        }
        return found
    }

    /// A history page's statement (its arguments: `pageArguments`): a session's turns with
    /// `after < seq <= through`, by one author when `author`, live ones only when `liveOnly`.
    /// One author's turns are read by `turns_author` (sid, author, seq): an index range in seq
    /// order either way, so the page costs what it returns and not the session's length. Named,
    /// not left to the planner: statistics from an `ANALYZE` run by hand could send it back to
    /// `turns_sid_seq` and a walk over every author's turns.
    static func pageSQL(author: Bool, liveOnly: Bool, newestFirst: Bool) -> String {
        """
        SELECT \(TurnRows.columns) FROM \(author ? "turns INDEXED BY turns_author" : "turns")
        WHERE sid = ? AND seq > ? AND seq <= ?\(liveOnly ? " AND state = 0" : "")\(author ? " AND author = ?" : "")
        ORDER BY seq \(newestFirst ? "DESC" : "ASC") LIMIT ?
        """
    }

    /// The arguments `pageSQL` takes, in order.
    static func pageArguments(sid: Int64, after: Int64, through: Int64, author: String?, limit: Int) -> [SQLValue] {
        [.integer(sid), .integer(after), .integer(through)] + (author.map { [.text($0)] } ?? []) + [.int(limit)]
    }
}
