/// How far full-text indexing of turns has got.
public struct SearchIndexProgress: Sendable, Equatable {
    /// Every turn with an id up to this one is indexed; none above it is.
    public var indexedThrough: Int64
    /// The highest turn id in the database (0 when there is none).
    public var latestTurn: Int64

    /// Nothing is waiting to be indexed.
    public var isCaughtUp: Bool { indexedThrough >= latestTurn }
}

/// Full-text indexing of turn content, off the commit path.
///
/// Appends commit turns without touching FTS5 (indexing is about half the cost of an append).
/// The writer runs `step` in its idle time (and when a search waits for it), each step in its own
/// transaction over at most `maxTurns` turns in id order, and stores the new high-water mark
/// (`search_progress.turns_through`) in that same transaction. So the invariant
/// "a turn is in `turns_fts` exactly when its id <= turns_through" holds after every commit and
/// after any crash: a killed step rolls back with its mark, and the next one redoes it.
///
/// Turn content never changes and turns are only removed with their session, so the only other
/// writers of the index are `forgetSession` (delete) and `rebuild`.
enum SearchIndexer {
    static func progress(_ db: Database) throws(StoreError) -> SearchIndexProgress {
        let through = try db.scalar("SELECT turns_through FROM search_progress WHERE id = 1") ?? 0
        let latest = try db.scalar("SELECT max(id) FROM turns") ?? 0
        return SearchIndexProgress(indexedThrough: through, latestTurn: latest)
    }

    /// Indexes the next (at most) `maxTurns` unindexed turns in one transaction of their own.
    /// Must run on the write connection outside any transaction. Returns the progress after it.
    static func step(_ db: Database, maxTurns: Int) throws(StoreError) -> SearchIndexProgress {
        // A caught-up index costs two index lookups and no transaction.
        let seen = try progress(db)
        if seen.isCaughtUp { return seen }
        return try db.transaction { () throws(StoreError) -> SearchIndexProgress in
            // Read again under the write lock: another process's writer may have indexed meanwhile.
            let now = try progress(db)
            if now.isCaughtUp { return now }
            // The id of the maxTurns-th unindexed turn, or the last one when fewer are left. Ids
            // are not dense (ids of deleted sessions' turns are gone), hence OFFSET over the
            // rowid b-tree rather than arithmetic.
            let upper = try db.scalar("SELECT id FROM turns WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
                                      [.integer(now.indexedThrough), .int(max(1, maxTurns) - 1)]) ?? now.latestTurn
            try db.run("INSERT INTO turns_fts(rowid, content) SELECT id, content FROM turns WHERE id > ? AND id <= ?",
                       [.integer(now.indexedThrough), .integer(upper)])
            try db.run("UPDATE search_progress SET turns_through = ? WHERE id = 1", [.integer(upper)])
            return SearchIndexProgress(indexedThrough: upper, latestTurn: now.latestTurn)
        }
    }

    /// Removes a session's indexed turns from the index; call before deleting its turns
    /// (external-content FTS5 needs the old text to delete entries). Unindexed turns have none.
    static func forgetSession(_ db: Database, sid: Int64) throws(StoreError) {
        try db.run("""
            INSERT INTO turns_fts(turns_fts, rowid, content) SELECT 'delete', id, content FROM turns
            WHERE sid = ? AND id <= (SELECT turns_through FROM search_progress WHERE id = 1)
            """, [.integer(sid)])
    }

    /// Call after deleting turns. Without AUTOINCREMENT SQLite hands out max(id) + 1 to the next
    /// turn, so when the highest turns were deleted, new turns would get ids at or below the mark
    /// and never be indexed. Lowering the mark to the highest id left keeps the invariant: every
    /// id in between belonged to a deleted (and un-indexed) turn.
    static func afterTurnsDeleted(_ db: Database) throws(StoreError) {
        try db.run("""
            UPDATE search_progress SET turns_through = min(turns_through, coalesce((SELECT max(id) FROM turns), 0))
            WHERE id = 1
            """)
    }

    /// Rebuilds the whole turn index from the turns table and marks it caught up.
    static func rebuild(_ db: Database) throws(StoreError) {
        try db.run("INSERT INTO turns_fts(turns_fts) VALUES('rebuild')")
        try db.run("UPDATE search_progress SET turns_through = coalesce((SELECT max(id) FROM turns), 0) WHERE id = 1")
    }
}
