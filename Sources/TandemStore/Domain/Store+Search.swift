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
        let budget = configuration.maxSearchScan
        let snippet = { @Sendable (text: String) -> String in
            SearchSnippet.make(text, terms: query.words, prefixes: query.prefixes, runs: query.runs)
        }
        let run = { @Sendable (db: Database) throws(StoreError) -> SearchPage in
            var hits: [SearchHit] = []
            var turnsBefore = Int64.max
            switch start {
            case .titleOffset(let offset):
                let titles = try db.query(Self.titleOffsetSQL(filter: filterSQL),
                                          [.text(query.match)] + filterArgs + [.int(limit + 1), .int(offset)]) {
                    (SearchHit(sessionID: $0.text(0), turnSeq: nil, snippet: snippet($0.text(1))), $0.int(2))
                }
                hits = titles.prefix(limit).map(\.0)
                if titles.count > limit {
                    return SearchPage(hits: hits, nextCursor: SearchCursor.titles(below: titles[limit - 1].1).text)
                }
            case .titles(let below):
                let walk = try Self.walk(db, Self.titleHitsSQL(filter: filterSQL), filterArgs + [.text(query.match), .integer(below)],
                                         want: limit, budget: budget) { row in
                    SearchHit(sessionID: row.text(1), turnSeq: nil, snippet: snippet(row.text(2)))
                }
                hits = walk.hits
                if let next = walk.next { return SearchPage(hits: hits, nextCursor: SearchCursor.titles(below: next).text) }
            case .turns(let below):
                turnsBefore = below
            }
            let room = limit - hits.count
            // The turn index may be an earlier build's (text as it is) until its rebuild is done.
            let form = SearchIndexLayout.TextForm.of(try SearchIndexRebuild.tableSQL(db, "turns_fts"))
            let walk = try Self.walk(db, Self.turnHitsSQL(filter: filterSQL),
                                     filterArgs + [.text(query.match(for: form)), .integer(turnsBefore)],
                                     want: room, budget: budget) { row in
                SearchHit(sessionID: row.text(1), turnSeq: row.int(2), snippet: snippet(row.text(3)))
            }
            hits += walk.hits
            return SearchPage(hits: hits, nextCursor: walk.next.map { SearchCursor.turns(below: $0).text })
        }
        let first = try read { db throws(StoreError) -> (page: SearchPage?, latest: Int64) in
            let progress = try SearchIndexer.progress(db)
            return progress.isCaughtUp ? (try run(db), progress.latestTurn) : (nil, progress.latestTurn)
        }
        if let page = first.page { return page }
        try awaitSearchIndex(through: first.latest)
        return try read(run)
    }

    /// Walks `sql`'s rows (index position, then a non-null column 1 for a hit, null for an index
    /// entry the caller may not see) until it has `want` hits and knows of one more, or has
    /// examined `budget` entries. `next` is where the following page starts: below the last hit
    /// given when more hits follow, below the last entry examined when the budget ran out first
    /// (a page may then hold fewer hits than asked, even none), nil when the index is done.
    static func walk(_ db: Database, _ sql: String, _ values: [SQLValue], want: Int, budget: Int,
                     _ hit: (Row) throws(StoreError) -> SearchHit) throws(StoreError) -> (hits: [SearchHit], next: Int64?) {
        var hits: [SearchHit] = []
        var lastHit = Int64.max, lastSeen = Int64.max
        var examined = 0
        var more = false
        try db.forEachWhile(sql, values + [.int(budget)]) { row throws(StoreError) in
            examined += 1
            let position = row.int(0)
            if !row.isNull(1) {
                if hits.count == want { more = true; return false }
                hits.append(try hit(row))
                lastHit = position
            }
            lastSeen = position
            return true
        }
        if more { return (hits, hits.isEmpty ? lastSeen : lastHit) }
        return (hits, examined == budget ? lastSeen : nil)
    }

    /// Title hits below a session, newest session first (arguments: those of `filter`, which come
    /// first in the text, the MATCH expression, the sid to stay below, the budget): FTS5 walks the title index in rowid (= sid)
    /// order backwards from the cursor, where `ORDER BY rank` scored and sorted every match on
    /// every page. Every index entry is a row (the LEFT JOIN keeps the index the outer loop, in
    /// its order); column 1 is null for a session the caller may not see, so `walk` can count it.
    /// The index is contentless (fed `SearchText.spaced` titles): the snippet is made from column 2,
    /// the title.
    static func titleHitsSQL(filter: String) -> String {
        """
        SELECT f.rowid, s.id, CASE WHEN s.sid IS NULL THEN NULL ELSE s.title END
        FROM sessions_fts f LEFT JOIN sessions s ON s.sid = f.rowid AND s.status NOT IN \(SessionReaper.hiddenStatuses)\(filter)
        WHERE sessions_fts MATCH ? AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?
        """
    }

    /// Turn hits below an index position, newest first, in the shape of `titleHitsSQL` (columns:
    /// position, session id, seq, content; the content of a turn not given is not read).
    static func turnHitsSQL(filter: String) -> String {
        """
        SELECT f.rowid, s.id, t.seq, CASE WHEN s.sid IS NULL THEN NULL ELSE t.content END FROM search.turns_fts f
        LEFT JOIN turns t ON t.id = f.rowid AND t.state = 0 AND \(TurnRetirements.notRetired("t"))
        LEFT JOIN sessions s ON s.sid = t.sid AND s.status NOT IN \(SessionReaper.hiddenStatuses)\(filter)
        WHERE f.turns_fts MATCH ? AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?
        """
    }

    /// Title hits by count (the `T<n>` cursors of earlier builds; arguments: the MATCH
    /// expression, those of `filter`, the limit and the offset).
    static func titleOffsetSQL(filter: String) -> String {
        """
        SELECT s.id, s.title, f.rowid FROM sessions_fts f JOIN sessions s ON s.sid = f.rowid
        WHERE sessions_fts MATCH ? AND s.status NOT IN \(SessionReaper.hiddenStatuses)\(filter)
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
