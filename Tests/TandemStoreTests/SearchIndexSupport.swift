import Foundation
@testable import TandemStore

/// What `auditSearchIndex` found.
struct SearchIndexAudit: Equatable {
    /// The high-water mark in the file.
    var mark: Int64
    /// Turns at or below the mark.
    var turnsCovered: Int64
    /// Term instances in the real index that a fresh index of the covered turns lacks, plus the
    /// reverse, plus any surplus (a turn indexed twice): 0 when the index is exact.
    var differences: Int64
}

/// Compares the turn index in the search file of the database at `path`, term instance by term instance
/// (fts5vocab), with a fresh FTS5 index built from the turns at or below the mark: an exact match
/// means no turn is missing, none is indexed twice and none above the mark is indexed.
/// Runs on a connection of its own (the store's connections stay untouched).
/// `table` and `markSQL` name another index and its mark (a rebuild's, say).
func auditSearchIndex(_ path: String, table: String = "turns_fts",
                      markSQL: String = "SELECT turns_through FROM search.progress") throws -> SearchIndexAudit {
    let db = try Database(path: path)
    try SearchFile.attach(db, databasePath: path)
    // Fed as the audited index is (an earlier build's: the text as it is), in a column of its name.
    let form = SearchIndexLayout.TextForm.of(try SearchIndexRebuild.tableSQL(db, table))
    try db.execute("""
        CREATE VIRTUAL TABLE temp.real_terms USING fts5vocab(search, '\(table)', 'instance');
        CREATE VIRTUAL TABLE temp.fresh USING fts5(\(form.column)\(form.options));
        CREATE VIRTUAL TABLE temp.fresh_terms USING fts5vocab(temp, 'fresh', 'instance');
        """)
    let mark = try db.scalar(markSQL) ?? -1
    try db.run("INSERT INTO temp.fresh(rowid, \(form.column)) SELECT id, \(form.prepared("content")) FROM turns WHERE id <= ?",
               [.integer(mark)])
    let covered = try db.scalar("SELECT count(*) FROM turns WHERE id <= ?", [.integer(mark)]) ?? 0
    let onlyReal = try db.scalar("""
        SELECT count(*) FROM (SELECT term, doc, col, offset FROM temp.real_terms
                              EXCEPT SELECT term, doc, col, offset FROM temp.fresh_terms)
        """) ?? 0
    let onlyFresh = try db.scalar("""
        SELECT count(*) FROM (SELECT term, doc, col, offset FROM temp.fresh_terms
                              EXCEPT SELECT term, doc, col, offset FROM temp.real_terms)
        """) ?? 0
    let realCount = try db.scalar("SELECT count(*) FROM temp.real_terms") ?? 0
    let freshCount = try db.scalar("SELECT count(*) FROM temp.fresh_terms") ?? 0
    return SearchIndexAudit(mark: mark, turnsCovered: covered, differences: onlyReal + onlyFresh + abs(realCount - freshCount))
}

/// The search index's high-water mark and highest turn id, read straight from the files (before
/// a store opens them: its indexing thread would start at once).
func rawIndexProgress(_ path: String) throws -> SearchIndexProgress {
    let db = try Database(path: path, readOnly: true)
    try SearchFile.attach(db, databasePath: path)
    return try SearchIndexer.progress(db)
}

/// Polls until the index has caught up (or `seconds` pass); the last progress seen.
func waitForIndex(_ store: Store, seconds: Double) throws -> SearchIndexProgress {
    let deadline = Date().addingTimeInterval(seconds)
    var progress = try store.searchIndexProgress()
    while !progress.isCaughtUp && Date() < deadline {
        usleep(10_000)
        progress = try store.searchIndexProgress()
    }
    return progress
}

/// The `CREATE` statement of the turn index in use in the search file of the database at `path`.
func turnIndexSQL(_ path: String) throws -> String? {
    let db = try Database(path: path, readOnly: true)
    try SearchFile.attach(db, databasePath: path)
    return try SearchIndexRebuild.tableSQL(db, "turns_fts")
}

/// Waits (at most `seconds`) for `store`'s index rebuild to end and the index to catch up; then
/// the index in use should be of `layout` and exact for every turn (`auditSearchIndex`).
func finishRebuild(_ store: Store, path: String, seconds: Double) throws -> (layout: String?, audit: SearchIndexAudit, turns: Int64?) {
    let deadline = Date().addingTimeInterval(seconds)
    while try store.searchIndexProgress().rebuilding && Date() < deadline { usleep(10_000) }
    try store.catchUpSearchIndex()
    let turns = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM turns") }
    return (try turnIndexSQL(path), try auditSearchIndex(path), turns)
}
