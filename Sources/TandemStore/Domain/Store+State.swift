import TandemJSON

extension Store {
    /// All current shared-state rows of a session, by key.
    public func stateRows(session: String, actor: String) throws(StoreError) -> [StateRow] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.stateGet, session: session, actor: actor)
            return try db.query("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ? ORDER BY key",
                                [.integer(ref.sid)], RowRows.map)
        }
    }

    /// Current rows with keys after `after`, in key order: at most `limit`, and as many as `budget`
    /// holds; `more` when rows are left.
    public func statePage(session: String, actor: String, after: String? = nil, limit: Int,
                          budget: PageBudget) throws(StoreError) -> (rows: [StateRow], more: Bool) {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.stateGet, session: session, actor: actor)
            return try Self.statePage(db, sid: ref.sid, after: after, limit: limit, budget: budget)
        }
    }

    /// `statePage` on a connection already in a read transaction, for an authorized session.
    static func statePage(_ db: Database, sid: Int64, after: String?, limit: Int,
                          budget: PageBudget) throws(StoreError) -> (rows: [StateRow], more: Bool) {
        var budget = budget
        var rows: [StateRow] = []
        var more = false
        try db.forEachWhile("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ? AND key > ? ORDER BY key LIMIT ?",
                            [.integer(sid), .text(after ?? ""), .int(limit + 1)]) { r throws(StoreError) -> Bool in
            let row = try RowRows.map(r)
            guard rows.count < limit, budget.take(PageBudget.size(of: row)) else {
                more = true
                return false
            }
            rows.append(row)
            return true
        }
        return (rows, more)
    }

    /// One current row, or nil when the key has never been written.
    public func stateRow(session: String, actor: String, key: String) throws(StoreError) -> StateRow? {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.stateGet, session: session, actor: actor)
            return try RowRows.current(db, sid: ref.sid, key: key)
        }
    }

    /// One past version of a row (the base a client is merging from), or nil.
    public func stateRow(session: String, actor: String, key: String, version: Int64) throws(StoreError) -> StateRow? {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.stateGet, session: session, actor: actor)
            return try RowRows.historical(db, sid: ref.sid, key: key, version: version)
        }
    }

    /// Every version of a row, oldest first.
    public func stateHistory(session: String, actor: String, key: String) throws(StoreError) -> [StateRow] {
        try read { db throws(StoreError) in
            let ref = try db.authorize(.stateGet, session: session, actor: actor)
            return try db.query("""
                SELECT key, version, value, author, created_at, merged FROM state_history WHERE sid = ? AND key = ? ORDER BY version
                """, [.integer(ref.sid), .text(key)], RowRows.map)
        }
    }

    /// Writes a row based on `baseVersion` (0 = "I saw no row"): applied when the base is current,
    /// three-way merged when it is older, or a conflict report with nothing written.
    /// `limit_exceeded` for a new key when the session has `maxRowsPerSession` rows.
    public func writeRow(session: String, actor: String, key: String, value: JSONValue,
                         baseVersion: Int64) throws(StoreError) -> RowWriteResult {
        let text = try Rows.validate(key: key, value: value, configuration)
        return try write(deferrable: true) { ctx throws(StoreError) in
            try Rows.write(ctx, session: session, actor: actor, key: key, value: value, text: text, baseVersion: baseVersion)
        }
    }

    /// Like `writeRow(value:)`, from JSON text as received: `invalid_json` when it does not parse.
    public func writeRow(session: String, actor: String, key: String, json: String,
                         baseVersion: Int64) throws(StoreError) -> RowWriteResult {
        let value = try Validate.parse(json, what: "row value", max: configuration.maxRowValueBytes)
        return try writeRow(session: session, actor: actor, key: key, value: value, baseVersion: baseVersion)
    }

    /// Non-blocking row write; `completion` runs on the completion thread after the commit.
    public func writeRow(session: String, actor: String, key: String, value: JSONValue, baseVersion: Int64,
                         completion: @escaping @Sendable (Result<RowWriteResult, StoreError>) -> Void) {
        let text: String
        do { text = try Rows.validate(key: key, value: value, configuration) } catch { completion(.failure(error)); return }
        writer.submit(deferrable: true, { ctx throws(StoreError) in
            try Rows.write(ctx, session: session, actor: actor, key: key, value: value, text: text, baseVersion: baseVersion)
        }, completion: completion)
    }
}

enum Rows {
    static func validate(key: String, value: JSONValue, _ config: StoreConfiguration) throws(StoreError) -> String {
        try Validate.text(key, what: "row key", max: 256)
        return try Validate.json(value, what: "row value", max: config.maxRowValueBytes)
    }

    static func write(_ ctx: WriteContext, session: String, actor: String, key: String, value: JSONValue,
                      text: String, baseVersion: Int64) throws(StoreError) -> RowWriteResult {
        let ref = try ctx.authorizeChange(.statePut, session: session, actor: actor)
        return try write(ctx, sid: ref.sid, actor: actor, key: key, value: value, text: text, baseVersion: baseVersion)
    }

    /// What writing `value` on `baseVersion` would do, without writing.
    enum Plan {
        case apply(version: Int64)
        case merge(JSONValue, version: Int64)
        /// `merged`: the merge with current's side kept at each conflict.
        case conflict(currentVersion: Int64, [MergeConflict], merged: JSONValue)
    }

    /// Refuses (`limit_exceeded`) a merge whose text diffs need more steps than `budget` has left
    /// (`max-merge-diff-steps`): it runs on the writer, and nothing else commits meanwhile.
    static func plan(_ db: Database, sid: Int64, key: String, value: JSONValue,
                     baseVersion: Int64, budget: inout MergeDiffBudget) throws(StoreError) -> Plan {
        let current = try RowRows.current(db, sid: sid, key: key)
        if current == nil { try refuseRespelling(db, sid: sid, key: key) }
        let currentVersion = current?.version ?? 0
        guard baseVersion >= 0, baseVersion <= currentVersion else {
            throw StoreError.invalid("base version \(baseVersion) of row \(key) does not exist (current is \(currentVersion))", field: "base")
        }
        if baseVersion == currentVersion { return .apply(version: currentVersion + 1) }
        let currentValue = current?.value ?? .null
        let outcome: MergeOutcome
        let keepingCurrent: JSONValue
        if baseVersion == 0 {
            // Both sides created the row: there is no base value (not even null). Two objects
            // merge key by key from nothing; anything else merges only if both wrote the same.
            if currentValue.objectValue != nil && value.objectValue != nil {
                (outcome, keepingCurrent) = try merge(key: key, base: .object([:]), current: currentValue, proposed: value, budget: &budget)
            } else {
                outcome = currentValue == value ? .merged(value)
                    : .conflict([MergeConflict(path: [], base: nil, current: currentValue, proposed: value)])
                keepingCurrent = currentValue
            }
        } else {
            // Older base: merge base (from history), current and proposed.
            guard let historical = try RowRows.historical(db, sid: sid, key: key, version: baseVersion) else {
                throw StoreError(.sqlite, "history of row \(key) lacks version \(baseVersion)")
            }
            (outcome, keepingCurrent) = try merge(key: key, base: historical.value, current: currentValue, proposed: value, budget: &budget)
        }
        switch outcome {
        case .merged(let merged): return .merge(merged, version: currentVersion + 1)
        case .conflict(let conflicts): return .conflict(currentVersion: currentVersion, conflicts, merged: keepingCurrent)
        }
    }

    /// `ThreeWayMerge.mergeKeepingCurrent` within the steps `budget` has left (which it spends), or
    /// `limit_exceeded` naming the row, the text (or the values) and the setting.
    private static func merge(key: String, base: JSONValue, current: JSONValue, proposed: JSONValue,
                              budget: inout MergeDiffBudget) throws(StoreError) -> (MergeOutcome, JSONValue) {
        do throws(MergeTooCostly) {
            return try ThreeWayMerge.mergeKeepingCurrent(base: base, current: current, proposed: proposed, diffBudget: &budget.left,
                                                         maxConflictLines: budget.maxConflictLines)
        } catch {
            let at = error.path.isEmpty ? "" : " at \(error.path.joined(separator: "."))"
            if error.cause == .values { throw tooManyValues(key: key, at: at, budget) }
            if let sharedBy = budget.sharedBy {
                throw StoreError(.limitExceeded, """
                    merging the text\(at) of row \(key) with the current version, after the rows merged before it, needs more \
                    than \(budget.limit) line-diff steps for the whole \(sharedBy) (server setting max-merge-diff-steps = \(budget.limit)): \
                    texts that are long and differ throughout; write such rows on the parent's current version first, or \
                    give them resolutions
                    """)
            }
            throw StoreError(.limitExceeded, """
                merging the text\(at) of row \(key) with the current version needs more than \(budget.limit) line-diff steps \
                (server setting max-merge-diff-steps = \(budget.limit)): the texts are long and differ throughout; \
                read the row and write it again on its current version
                """)
        }
    }

    /// The refusal of a merge whose walk over the row's values (not a text's diff) used the budget up.
    private static func tooManyValues(key: String, at: String, _ budget: MergeDiffBudget) -> StoreError {
        let cost = "each value compared costs \(ThreeWayMerge.stepsPerValueCompared) steps, each object member looked up " +
            "\(ThreeWayMerge.stepsPerMemberCompared) (\(ThreeWayMerge.stepsPerSmallObjectMember) in an object of at most " +
            "\(ThreeWayMerge.smallObjectMembers)), each object merged key by key \(ThreeWayMerge.stepsPerObjectMerged), " +
            "each text merged \(ThreeWayMerge.stepsPerTextMerged)"
        if let sharedBy = budget.sharedBy {
            return StoreError(.limitExceeded, """
                merging row \(key) with the current version (its values\(at)), after the rows merged before it, needs more \
                than \(budget.limit) merge steps for the whole \(sharedBy) (server setting max-merge-diff-steps = \(budget.limit); \
                \(cost)): rows of many values changed on both sides; write such rows on the parent's current version first, \
                or give them resolutions
                """)
        }
        return StoreError(.limitExceeded, """
            merging row \(key) with the current version (its values\(at)) needs more than \(budget.limit) merge steps \
            (server setting max-merge-diff-steps = \(budget.limit); \(cost)): the row holds many values and both sides \
            changed it; read the row and write it again on its current version
            """)
    }

    /// A new key that respells an existing one in another Unicode normalization (`e\u{301}` for `é`) is
    /// refused: the two would be different rows, but checkpoints, branches and documents map rows by
    /// key in JSON objects, where they cannot be kept apart. Only keys beyond ASCII can respell.
    /// One seek in `state_rows_spelling`: the existing keys with the same NFC form
    /// (`RowKeySpelling`), of which any with other bytes is a respelling.
    static func refuseRespelling(_ db: Database, sid: Int64, key: String) throws(StoreError) {
        guard !key.utf8.allSatisfy({ $0 < 0x80 }), let spelling = RowKeySpelling.of(key) else { return }
        // `<>` on TEXT compares bytes (BINARY collation): a different spelling, not the key itself.
        if let existing = try db.queryOne(respellingSQL, [.integer(sid), .text(spelling), .text(key)], { $0.text(0) }) {
            throw StoreError.invalid("row key \(key.debugDescription) respells the existing key \(existing.debugDescription) in another Unicode normalization; use that one")
        }
    }

    /// An existing key of session `?1` with NFC form `?2` and other bytes than `?3`.
    static let respellingSQL = """
        SELECT key FROM state_rows INDEXED BY state_rows_spelling WHERE sid = ? AND nfc_key = ? AND key <> ? ORDER BY key LIMIT 1
        """

    /// The row-write rule, for an already authorized session; a merge has a budget of its own.
    static func write(_ ctx: WriteContext, sid: Int64, actor: String, key: String, value: JSONValue,
                      text: String?, baseVersion: Int64) throws(StoreError) -> RowWriteResult {
        var budget = MergeDiffBudget.rowWrite(ctx.configuration)
        return try write(ctx, sid: sid, actor: actor, key: key, value: value, text: text, baseVersion: baseVersion, budget: &budget)
    }

    /// The row-write rule, its merge spending from `budget` (shared by a branch merge's rows).
    static func write(_ ctx: WriteContext, sid: Int64, actor: String, key: String, value: JSONValue,
                      text: String?, baseVersion: Int64, budget: inout MergeDiffBudget) throws(StoreError) -> RowWriteResult {
        switch try plan(ctx.db, sid: sid, key: key, value: value, baseVersion: baseVersion, budget: &budget) {
        case .apply(let version):
            let row = try store(ctx, sid: sid, actor: actor, key: key, value: value, text: text, version: version, merged: false)
            return .applied(row: row.0, eventSeq: row.1)
        case .merge(let merged, let version):
            let row = try store(ctx, sid: sid, actor: actor, key: key, value: merged, text: nil, version: version, merged: true)
            return .merged(row: row.0, eventSeq: row.1)
        case .conflict(let currentVersion, let conflicts, let merged):
            ctx.count(sid: sid, user: actor, ContributionCounts(conflicts: 1))
            return .conflict(key: key, currentVersion: currentVersion, conflicts: conflicts,
                             current: try RowRows.current(ctx.db, sid: sid, key: key), merged: merged)
        }
    }

    /// Stores `value` as `version` (row, history, change log); `counted` adds to the actor's contributions.
    static func store(_ ctx: WriteContext, sid: Int64, actor: String, key: String, value: JSONValue,
                      text: String?, version: Int64, merged: Bool, counted: Bool = true) throws(StoreError) -> (StateRow, Int64) {
        let db = ctx.db
        let text = text ?? value.serialized()
        // A merge may grow a row past what any one write could (each side added its own part).
        if text.utf8.count > ctx.configuration.maxRowValueBytes {
            throw StoreError(.tooLarge, "row \(key) would be \(text.utf8.count) bytes merged; the limit is \(ctx.configuration.maxRowValueBytes)")
        }
        try Quotas.requireRowRoom(ctx, sid: sid, key: key)
        try db.run("""
            INSERT INTO state_rows(sid, key, version, value, author, updated_at, merged, nfc_key) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(sid, key) DO UPDATE SET version = excluded.version, value = excluded.value,
              author = excluded.author, updated_at = excluded.updated_at, merged = excluded.merged
            """, [.integer(sid), .text(key), .integer(version), .text(text), .text(actor), .integer(ctx.now), .int(merged ? 1 : 0),
                  RowKeySpelling.of(key).map { .text($0) } ?? .null])
        try db.run("INSERT INTO state_history(sid, key, version, value, author, created_at, merged) VALUES (?,?,?,?,?,?,?)",
                   [.integer(sid), .text(key), .integer(version), .text(text), .text(actor), .integer(ctx.now), .int(merged ? 1 : 0)])
        let seq = try ctx.recordEvent(sid: sid, kind: "state", actor: actor, rowKey: key, rowVersion: version)
        if counted { ctx.count(sid: sid, user: actor, ContributionCounts(rowWrites: 1, merges: merged ? 1 : 0)) }
        return (StateRow(key: key, version: version, value: value, author: actor, updatedAt: ctx.now, merged: merged), seq)
    }
}
