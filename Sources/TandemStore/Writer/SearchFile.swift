import Foundation

/// The file that holds the full-text index of turn content: `<database>-search` beside the main
/// file (for `:memory:` stores, a private in-memory database on the writer's connection).
///
/// Everything in it is derived from the main database and rebuilt when it is missing, damaged,
/// of another format, or was built for another database (each main database carries a random
/// `search_meta.epoch`). Connections see it as the schema `search`.
enum SearchFile {
    /// Bumped when the layout of the search file changes: an older file is then rebuilt.
    static let format: Int64 = 1

    static func path(forDatabase path: String) -> String {
        path == ":memory:" ? ":memory:" : path + "-search"
    }

    /// Attaches the search file to `db` as `search`, with `synchronous=NORMAL` (an attached
    /// schema starts at SQLite's default, FULL).
    ///
    /// NORMAL: in WAL mode a commit then writes the WAL without syncing it; a power loss may undo
    /// the last indexing steps, but never half of one (the index rows and `turns_through` commit
    /// together), and undone steps are simply indexed again. FULL made every step wait for an
    /// fdatasync. `cacheBytes` sets the schema's page cache (nil: SQLite's default, 2 MiB).
    static func attach(_ db: Database, databasePath: String, cacheBytes: Int? = nil) throws(StoreError) {
        try db.run("ATTACH DATABASE ? AS search", [.text(path(forDatabase: databasePath))])
        try db.execute("PRAGMA search.synchronous=NORMAL")
        if let cacheBytes { try db.setCacheSize(cacheBytes, schema: "search") }
    }

    /// Creates the search schema where it is missing, empties an index that does not belong to
    /// this database (see the type's comment), and starts rebuilding one of another layout
    /// beside it (`SearchIndexRebuild`). Outside any transaction.
    static func prepare(_ db: Database, inMemory: Bool, automerge: Int, layout: SearchIndexLayout) throws(StoreError) {
        if !inMemory {
            // A search file made anew (the first, or one that replaced a damaged file) takes the
            // database's mode: once an operator converted it (`Store.compact`), both reclaim online.
            if try DiskReclaim.read(db).incremental { try DiskReclaim.makeIncrementalIfNew(db, schema: "search") }
            try db.execute("PRAGMA search.journal_mode=WAL")
            // As the database's: after a burst of indexing (a big import) the WAL is cut back to
            // this at the next checkpoint instead of keeping its largest size for good.
            try db.execute("PRAGMA search.journal_size_limit=\(64 << 20)")
        }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS search.progress(
              id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL, epoch TEXT NOT NULL,
              turns_through INTEGER NOT NULL, forget_through INTEGER NOT NULL);
            """)
        try db.execute(layout.createSQL(table: "turns_fts").replacingOccurrences(of: "CREATE VIRTUAL TABLE", with: "CREATE VIRTUAL TABLE IF NOT EXISTS"))
        try db.transaction(immediate: false) { () throws(StoreError) in
            let epoch = try db.queryOne("SELECT epoch FROM main.search_meta WHERE id = 1") { $0.text(0) } ?? ""
            let forgets = try db.scalar("SELECT max(seq) FROM main.search_forget") ?? 0
            let latest = try db.scalar("SELECT max(id) FROM main.turns") ?? 0
            let row = try db.queryOne("SELECT format, epoch, turns_through, forget_through FROM search.progress WHERE id = 1") {
                (format: $0.int(0), epoch: $0.text(1), through: $0.int(2), forgotten: $0.int(3))
            }
            if let row {
                // An index ahead of the turns with no delete to explain it was built on another copy
                // of this database (a backup restored over it, say).
                let ahead = row.through > latest && row.forgotten >= forgets
                if row.format != format || row.epoch != epoch || ahead {
                    try SearchIndexRebuild.remake(db, layout: layout)
                    try db.run("UPDATE search.progress SET format = ?, epoch = ?, turns_through = 0, forget_through = ? WHERE id = 1",
                               [.integer(format), .text(epoch), .integer(forgets)])
                }
            } else {
                try db.run("INSERT INTO search.progress VALUES (1, ?, ?, 0, ?)",
                           [.integer(format), .text(epoch), .integer(forgets)])
            }
            try SearchIndexRebuild.require(db, layout: layout, automerge: automerge)
        }
        try SearchIndexRebuild.setAutomerge(db, table: "turns_fts", automerge)
    }

    /// Whether `error` says the search file is not a usable database (SQLITE_CORRUPT, SQLITE_NOTADB).
    static func isDamaged(_ error: StoreError) -> Bool {
        guard let code = error.sqliteCode else { return false }
        return code & 0xFF == 11 || code & 0xFF == 26
    }

    /// Removes the search file of the database at `databasePath` with its WAL and shared-memory
    /// files (it is rebuilt from the main database).
    static func remove(databasePath: String) {
        let base = path(forDatabase: databasePath)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: base + suffix) }
    }
}
