/// How far full-text indexing of turns has got.
public struct SearchIndexProgress: Sendable, Equatable {
    /// Every turn with an id up to this one is indexed; none above it is.
    public var indexedThrough: Int64
    /// The highest turn id in the database (0 when there is none).
    public var latestTurn: Int64
    /// Session deletes whose turns are still in the index (0 when none).
    public var pendingForgets: Int64 = 0
    /// The index is being rebuilt in another layout beside the one searches read
    /// (`SearchIndexRebuild`; results are the same meanwhile, `prefix*` terms slower).
    public var rebuilding = false

    /// Nothing is waiting to be indexed or forgotten.
    public var isCaughtUp: Bool { indexedThrough >= latestTurn && pendingForgets == 0 }
}

/// Full-text indexing of turn content: the SQL, on a connection that has the main database as
/// `main` and the search file attached as `search` (see `SearchFile`).
///
/// The index is a contentless FTS5 table in a file of its own, so indexing takes the search
/// file's write lock and only reads the main database: appends commit without ever waiting for
/// an indexing step (a separate thread runs them, see `SearchIndexWorker`). Each step is one
/// transaction of the search file that also stores how far it got (`progress.turns_through`),
/// so "a turn is in `turns_fts` exactly when its id <= turns_through" holds after every commit
/// and after any crash: a killed step rolls back with its mark, and the next one redoes it.
///
/// Turn content never changes, and turns are only removed with their session. Each step of a
/// session delete (`SessionReaper`) writes, in the main database's transaction that deletes the
/// turns, a `search_forget` entry with their text (a contentless index needs the old text to
/// remove entries) and the highest turn id left; a step applies the entries in order before it indexes anything new, and lowers the mark
/// to that id (SQLite hands the deleted ids out again, and those new turns must be indexed).
enum SearchIndexer {
    /// Progress as seen by a read transaction on a connection with `search` attached.
    static func progress(_ db: Database) throws(StoreError) -> SearchIndexProgress {
        let marks = try db.queryOne("SELECT turns_through, forget_through FROM search.progress WHERE id = 1") {
            ($0.int(0), $0.int(1))
        } ?? (0, 0)
        let latest = try db.scalar("SELECT max(id) FROM main.turns") ?? 0
        let forgets = try db.scalar("SELECT count(*) FROM main.search_forget WHERE seq > ?", [.integer(marks.1)]) ?? 0
        return SearchIndexProgress(indexedThrough: marks.0, latestTurn: latest, pendingForgets: forgets,
                                   rebuilding: try SearchIndexRebuild.isUnderway(db))
    }

    /// Applies pending session deletes, then indexes the next (at most) `maxTurns` unindexed turns,
    /// in one transaction of the search file; during a rebuild it then feeds the new index
    /// (`SearchIndexRebuild.step`, with what is left of `maxTurns`, at least a quarter). Must run
    /// outside any transaction. Returns the progress after it and the last forget entry applied
    /// (nil: none).
    static func step(_ db: Database, maxTurns: Int) throws(StoreError) -> (SearchIndexProgress, forgotThrough: Int64?) {
        try db.transaction(immediate: false) { () throws(StoreError) -> (SearchIndexProgress, forgotThrough: Int64?) in
            // A write first, so the transaction holds the search file's write lock before it reads
            // (a deferred read would fail with BUSY_SNAPSHOT if another process indexed meanwhile).
            // The main database is only read: its writer never waits for this transaction.
            try db.run("UPDATE search.progress SET id = 1 WHERE id = 1")
            let marks = try db.queryOne("SELECT turns_through, forget_through FROM search.progress WHERE id = 1") {
                ($0.int(0), $0.int(1))
            } ?? (0, 0)
            var mark = marks.0
            var forgotThrough: Int64?
            // The index in use is fed as its form says (an earlier build's, until a rebuild replaces it).
            let form = SearchIndexLayout.TextForm.of(try SearchIndexRebuild.tableSQL(db, "turns_fts"))
            let forgets = try db.query("SELECT seq, keep_through FROM main.search_forget WHERE seq > ? ORDER BY seq",
                                       [.integer(marks.1)]) { ($0.int(0), $0.int(1)) }
            for (seq, keepThrough) in forgets {
                // Only turns at or below the mark are in the index (removing one that is not
                // would corrupt a contentless index).
                try db.run("""
                    INSERT INTO search.turns_fts(turns_fts, rowid, \(form.column))
                    SELECT 'delete', id, \(form.prepared("content")) FROM main.search_forget_turns WHERE seq = ? AND id <= ?
                    """, [.integer(seq), .integer(mark)])
                mark = min(mark, keepThrough)
                forgotThrough = seq
            }
            let latest = try db.scalar("SELECT max(id) FROM main.turns") ?? 0
            var indexed = 0
            if mark < latest {
                // The id of the maxTurns-th unindexed turn, or the last one when fewer are left. Ids
                // are not dense (deleted sessions' ids are gone), hence OFFSET over the rowid b-tree.
                let upper = try db.scalar("SELECT id FROM main.turns WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
                                          [.integer(mark), .int(max(1, maxTurns) - 1)]) ?? latest
                indexed = try db.run("""
                    INSERT INTO search.turns_fts(rowid, \(form.column)) SELECT id, \(form.prepared("content")) FROM main.turns
                    WHERE id > ? AND id <= ?
                    """,
                                     [.integer(mark), .integer(upper)])
                mark = upper
            }
            try db.run("UPDATE search.progress SET turns_through = ?, forget_through = ? WHERE id = 1",
                       [.integer(mark), .integer(forgotThrough ?? marks.1)])
            // A live backlog never stops the rebuild for good: it gets at least a quarter batch.
            let rebuilding = try SearchIndexRebuild.step(db, forgets: forgets.map { (seq: $0.0, keepThrough: $0.1) },
                                                         forgetThrough: forgotThrough ?? marks.1, liveMark: mark,
                                                         maxTurns: max(maxTurns / 4, maxTurns - indexed))
            return (SearchIndexProgress(indexedThrough: mark, latestTurn: latest, rebuilding: rebuilding), forgotThrough)
        }
    }

    /// Merges index segments, writing about `pages` pages, in one transaction of the search file.
    /// Returns false when there was nothing left to merge (FTS5's `usermerge` rule: a level with
    /// fewer than 4 segments is left alone). Must run outside any transaction.
    static func tidy(_ db: Database, pages: Int) throws(StoreError) -> Bool {
        try db.transaction(immediate: false) { () throws(StoreError) -> Bool in
            let before = db.totalChanges
            try db.run("INSERT INTO search.turns_fts(turns_fts, rank) VALUES ('merge', ?)", [.int(pages)])
            // FTS5 documents this test: a merge that did any work changes at least two rows.
            return db.totalChanges - before >= 2
        }
    }

    /// Drops up to `maxRows` turns of the forget entries every index has applied (through
    /// `seq`), and the entries once their turns are gone; returns how many turns it dropped. Run
    /// by the main database's writer, as a step of its chore: the notes of a big delete hold the
    /// text of every turn, too much for one transaction between posts.
    static func prune(_ db: Database, through seq: Int64, maxRows: Int) throws(StoreError) -> Int {
        let dropped = try db.run("""
            DELETE FROM search_forget_turns WHERE (seq, id) IN (SELECT seq, id FROM search_forget_turns WHERE seq <= ?1 LIMIT ?2)
            """, [.integer(seq), .int(maxRows)])
        if dropped < maxRows { try db.run("DELETE FROM search_forget WHERE seq <= ?", [.integer(seq)]) }
        return dropped
    }

    /// Empties the index (made again in `layout`, any rebuild dropped); the steps that follow
    /// rebuild it from the turns table.
    static func reset(_ db: Database, layout: SearchIndexLayout, automerge: Int) throws(StoreError) {
        try db.transaction(immediate: false) { () throws(StoreError) in
            try db.run("UPDATE search.progress SET id = 1 WHERE id = 1")
            try SearchIndexRebuild.remake(db, layout: layout)
            try SearchIndexRebuild.setAutomerge(db, table: "turns_fts", automerge)
            let forgets = try db.scalar("SELECT max(seq) FROM main.search_forget") ?? 0
            try db.run("UPDATE search.progress SET turns_through = 0, forget_through = ? WHERE id = 1", [.integer(forgets)])
        }
    }
}
