/// Rebuilding the turn index in another layout (`SearchIndexLayout`) beside the one searches use.
///
/// An index made by an earlier build has no prefix indexes, or holds text as it is rather than
/// `SearchText.spaced` (`SearchIndexLayout.TextForm`). Emptying it and indexing again would
/// make every search wait for the whole rebuild (a search waits for the index to cover every
/// committed turn); instead the new index grows beside it, in the same file, as
/// `search.turns_fts_next`, with its own mark in `search.rebuild` (every turn with an id up to
/// `rebuild.turns_through` is in it, none above; `rebuild.forget_through` is the last session
/// delete applied to it, always the index in use's own after a step). Each indexing step first brings the index in
/// use up to date, as always, then applies the same session deletes to the new one and adds up
/// to a batch of the turns it lacks below the live mark. The step that makes it reach that mark
/// swaps them in its own transaction: the old table is dropped and the new one renamed
/// `turns_fts`. Until then searches read the old index and get the same results, only without
/// the prefix indexes' speed.
///
/// Every step is one transaction of the search file, marks and rows together, so a crash loses
/// at most the step it interrupted: the rebuild goes on from its mark when the store reopens,
/// and the index in use is never incomplete.
enum SearchIndexRebuild {
    static let table = "turns_fts_next"

    /// Whether a rebuild is under way, in the snapshot of `db`'s transaction.
    static func isUnderway(_ db: Database) throws(StoreError) -> Bool {
        try db.scalar("SELECT count(*) FROM search.sqlite_master WHERE name = 'rebuild' AND type = 'table'") == 1
    }

    /// Inside a transaction of the search file: makes the index have `layout`. An index of another
    /// layout that holds turns gets a rebuild (the one under way when it is already toward
    /// `layout`); an empty one is simply made again; a rebuild toward another layout is dropped.
    static func require(_ db: Database, layout: SearchIndexLayout, automerge: Int) throws(StoreError) {
        let live = try tableSQL(db, "turns_fts")
        let underway = try isUnderway(db)
        if layout.describes(live) {
            if underway { try cancel(db) }
            return
        }
        let mark = try db.scalar("SELECT turns_through FROM search.progress WHERE id = 1") ?? 0
        if mark == 0 {
            // Nothing indexed (a new file, or one just emptied): nothing to keep answering from.
            try remake(db, layout: layout)
            try setAutomerge(db, table: "turns_fts", automerge)
            return
        }
        if underway, layout.describes(try tableSQL(db, table)), try isInStep(db) { return }
        try cancel(db)
        try db.execute("""
            \(layout.createSQL(table: table))
            CREATE TABLE search.rebuild(id INTEGER PRIMARY KEY CHECK (id = 1), turns_through INTEGER NOT NULL,
                                        forget_through INTEGER NOT NULL);
            INSERT INTO search.rebuild SELECT 1, 0, forget_through FROM search.progress WHERE id = 1;
            """)
        try setAutomerge(db, table: table, automerge)
    }

    /// Replaces the index in use by an empty one of `layout` and drops any rebuild: the caller
    /// sets the mark to 0 in the same transaction.
    static func remake(_ db: Database, layout: SearchIndexLayout) throws(StoreError) {
        try cancel(db)
        try db.execute("DROP TABLE IF EXISTS search.turns_fts; \(layout.createSQL(table: "turns_fts"))")
    }

    /// Whether the rebuild under way kept step with the index in use: not ahead of it, and with
    /// the same session deletes applied. A build that knows no rebuild (an earlier one, started
    /// in between) indexes and forgets in the index in use only, or empties it; the rebuild is
    /// then started again rather than trusted.
    private static func isInStep(_ db: Database) throws(StoreError) -> Bool {
        try db.scalar("""
            SELECT r.turns_through <= p.turns_through AND r.forget_through = p.forget_through
            FROM search.rebuild r, search.progress p WHERE r.id = 1 AND p.id = 1
            """) == 1
    }

    /// Drops a rebuild under way, if any (its table and its mark).
    static func cancel(_ db: Database) throws(StoreError) {
        try db.execute("DROP TABLE IF EXISTS search.\(table); DROP TABLE IF EXISTS search.rebuild;")
    }

    /// Inside an indexing step's transaction, after the index in use was brought to `liveMark`
    /// with the session deletes through `forgetThrough` applied: applies the same deletes
    /// `forgets` (seq, highest id left) to the new index, adds at most `maxTurns` of the turns it
    /// lacks, and swaps it in once it reaches `liveMark`. Returns whether the rebuild is still
    /// under way.
    static func step(_ db: Database, forgets: [(seq: Int64, keepThrough: Int64)], forgetThrough: Int64, liveMark: Int64,
                     maxTurns: Int) throws(StoreError) -> Bool {
        guard try isUnderway(db) else { return false }
        var mark = try db.scalar("SELECT turns_through FROM search.rebuild WHERE id = 1") ?? 0
        let form = SearchIndexLayout.TextForm.of(try tableSQL(db, table))
        for (seq, keepThrough) in forgets {
            // As for the index in use: remove only entries that are there.
            try db.run("""
                INSERT INTO search.\(table)(\(table), rowid, \(form.column))
                SELECT 'delete', id, \(form.prepared("content")) FROM main.search_forget_turns WHERE seq = ? AND id <= ?
                """, [.integer(seq), .integer(mark)])
            mark = min(mark, keepThrough)
        }
        if mark < liveMark {
            let upper = try db.scalar("SELECT id FROM main.turns WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
                                      [.integer(mark), .int(max(1, maxTurns) - 1)]).map { min($0, liveMark) } ?? liveMark
            try db.run("""
                INSERT INTO search.\(table)(rowid, \(form.column)) SELECT id, \(form.prepared("content")) FROM main.turns
                WHERE id > ? AND id <= ?
                """,
                       [.integer(mark), .integer(upper)])
            mark = upper
        }
        guard mark >= liveMark else {
            try db.run("UPDATE search.rebuild SET turns_through = ?, forget_through = ? WHERE id = 1",
                       [.integer(mark), .integer(forgetThrough)])
            return true
        }
        // Both hold exactly the turns up to liveMark: the new one takes the old one's place.
        try db.execute("""
            DROP TABLE search.turns_fts;
            ALTER TABLE search.\(table) RENAME TO turns_fts;
            DROP TABLE search.rebuild;
            """)
        return false
    }

    /// The `CREATE` statement of table `name` in the search file (nil: there is none).
    static func tableSQL(_ db: Database, _ name: String) throws(StoreError) -> String? {
        try db.queryOne("SELECT sql FROM search.sqlite_master WHERE name = ? AND type = 'table'", [.text(name)]) { $0.text(0) }
    }

    /// Sets FTS5's `automerge` of `table` (kept in its config table: written only when it changes).
    static func setAutomerge(_ db: Database, table: String, _ automerge: Int) throws(StoreError) {
        let current = try db.scalar("SELECT v FROM search.\(table)_config WHERE k = 'automerge'")
        if current != Int64(automerge) {
            try db.run("INSERT INTO search.\(table)(\(table), rank) VALUES ('automerge', ?)", [.int(automerge)])
        }
    }
}
