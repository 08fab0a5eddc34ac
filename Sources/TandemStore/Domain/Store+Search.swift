/// One page of search hits; `nextCursor` continues it (nil on the last page).
public struct SearchPage: Sendable, Equatable {
    public var hits: [SearchHit]
    public var nextCursor: String?
}

extension Store {
    /// The first page of `searchPage`.
    public func search(_ text: String, member: String? = nil, status: SessionStatus? = nil, limit: Int = 50) throws(StoreError) -> [SearchHit] {
        try searchPage(text, member: member, status: status, limit: limit).hits
    }

    /// Full-text search over session titles and live turn content (`SearchQuery`: words all
    /// match, "phrases", prefix*, AND, OR, NOT / -word). With `member`, only sessions that user
    /// belongs to; with `status`, only sessions in it (both before the limit). Title hits come
    /// first, newest session first, then turns newest first: both walk their index backwards from
    /// the cursor and stop at `limit`, so a deep page costs what a first one does, and a session or
    /// turn added between pages lies above the cursor (a later search finds it) instead of shifting
    /// what the next page starts with. Relevance (bm25) cannot be paged that way: it changes for
    /// every hit when a title is added. `cursor` is a page's `nextCursor` (`SearchCursor`).
    ///
    /// Sees every turn committed before the call: when the snapshot holds turns (or session
    /// deletes) the index has not caught up with, the search first waits for the indexing thread
    /// to get through them, then runs on a fresh snapshot (turns committed meanwhile are concurrent
    /// with the search and may or may not show). With the index caught up (the usual case) this
    /// costs three index lookups.
    public func searchPage(_ text: String, member: String? = nil, status: SessionStatus? = nil, cursor: String? = nil,
                           limit: Int = 50) throws(StoreError) -> SearchPage {
        let query: SearchQuery
        do { query = try SearchQuery(text) } catch { throw error.blaming("query") }
        guard (1...1000).contains(limit) else { throw StoreError.invalid("limit must be 1...1000") }
        let start = try cursor.map { (text) throws(StoreError) in try SearchCursor(text) } ?? .titles(below: .max)
        var clauses = ""
        var filters: [SQLValue] = []
        if let member {
            clauses += " AND EXISTS (SELECT 1 FROM members m WHERE m.sid = s.sid AND m.user_id = ?)"
            filters.append(.text(member))
        }
        if let status {
            clauses += " AND s.status = ?"
            filters.append(.text(status.rawValue))
        }
        let (filterSQL, filterArgs) = (clauses, filters)
        let run = { @Sendable (db: Database) throws(StoreError) -> SearchPage in
            var hits: [SearchHit] = []
            var turnsBefore = Int64.max
            var titleStart: (below: Int64, offset: Int)?
            switch start {
            case .titles(let below): titleStart = (below, 0)
            case .titleOffset(let offset): titleStart = (.max, offset)
            case .turns(let below): turnsBefore = below
            }
            if let (below, offset) = titleStart {
                let titles = try db.query(Self.titleHitsSQL(filter: filterSQL),
                                          [.text(query.match), .integer(below)] + filterArgs + [.int(limit + 1), .int(offset)]) {
                    (SearchHit(sessionID: $0.text(0), turnSeq: nil, snippet: $0.text(1)), $0.int(2))
                }
                hits = titles.prefix(limit).map(\.0)
                if titles.count > limit {
                    return SearchPage(hits: hits, nextCursor: SearchCursor.titles(below: titles[limit - 1].1).text)
                }
            }
            let room = limit - hits.count
            let turns = try db.query("""
                SELECT s.id, t.seq, t.content, f.rowid FROM search.turns_fts f
                JOIN turns t ON t.id = f.rowid JOIN sessions s ON s.sid = t.sid
                WHERE f.turns_fts MATCH ? AND f.rowid < ? AND t.state = 0 AND \(TurnRetirements.notRetired("t"))
                  AND s.status NOT IN \(SessionReaper.hiddenStatuses)\(filterSQL) ORDER BY f.rowid DESC LIMIT ?
                """, [.text(query.match), .integer(turnsBefore)] + filterArgs + [.int(room + 1)]) {
                (SearchHit(sessionID: $0.text(0), turnSeq: $0.int(1),
                           snippet: SearchSnippet.make($0.text(2), terms: query.words, prefixes: query.prefixes)), $0.int(3))
            }
            hits += turns.prefix(room).map(\.0)
            guard turns.count > room else { return SearchPage(hits: hits, nextCursor: nil) }
            return SearchPage(hits: hits, nextCursor: SearchCursor.turns(below: room == 0 ? turnsBefore : turns[room - 1].1).text)
        }
        let first = try read { db throws(StoreError) -> (page: SearchPage?, latest: Int64) in
            let progress = try SearchIndexer.progress(db)
            return progress.isCaughtUp ? (try run(db), progress.latestTurn) : (nil, progress.latestTurn)
        }
        if let page = first.page { return page }
        try awaitSearchIndex(through: first.latest)
        return try read(run)
    }

    /// Title hits below a session (arguments: the MATCH expression, the sid to stay below, those of
    /// `filter`, the limit and the offset), newest session first: FTS5 walks the title index in
    /// rowid (= sid) order backwards from the cursor and stops at the limit, where `ORDER BY rank`
    /// scored and sorted every match on every page.
    static func titleHitsSQL(filter: String) -> String {
        """
        SELECT s.id, snippet(sessions_fts, 0, '[', ']', '…', 12), f.rowid FROM sessions_fts f JOIN sessions s ON s.sid = f.rowid
        WHERE sessions_fts MATCH ? AND f.rowid < ? AND s.status NOT IN \(SessionReaper.hiddenStatuses)\(filter)
        ORDER BY f.rowid DESC LIMIT ? OFFSET ?
        """
    }

    /// How far full-text indexing has got (a committed snapshot).
    public func searchIndexProgress() throws(StoreError) -> SearchIndexProgress {
        try read { db throws(StoreError) in try SearchIndexer.progress(db) }
    }

    /// Blocks until every turn committed before the call is in the full-text index.
    public func catchUpSearchIndex() throws(StoreError) {
        let progress = try searchIndexProgress()
        if !progress.isCaughtUp { try awaitSearchIndex(through: progress.latestTurn) }
    }
}
