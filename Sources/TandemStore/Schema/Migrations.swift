/// One named, ordered schema step. Names are recorded so a database touched by a newer build
/// (an unknown name or a higher version) is recognised and refused instead of being misread.
struct Migration: Sendable {
    var version: Int
    var name: String
    var sql: String
}

enum Migrations {
    /// In order; never edit a shipped migration, add a new one.
    static let all: [Migration] = [
        Migration(version: 1, name: "core", sql: Schema.core),
        Migration(version: 2, name: "search", sql: Schema.search),
        Migration(version: 3, name: "collaboration", sql: Schema.collaboration),
        Migration(version: 4, name: "turn-nonce", sql: Schema.turnNonce),
        Migration(version: 5, name: "search-high-water", sql: Schema.searchHighWater),
        Migration(version: 6, name: "search-file", sql: Schema.searchFile),
        Migration(version: 7, name: "turn-retirements", sql: Schema.turnRetirements),
        Migration(version: 8, name: "owned-templates", sql: Schema.ownedTemplates),
        Migration(version: 9, name: "retired-session-ids", sql: Schema.retiredSessionIDs),
        Migration(version: 10, name: "sessions-by-owner", sql: Schema.sessionsByOwner),
        Migration(version: 11, name: "list-pages", sql: Schema.listPages),
        Migration(version: 12, name: "branch-fork-marks", sql: Schema.branchForkMarks),
        Migration(version: 13, name: "session-counts", sql: Schema.sessionCounts),
        Migration(version: 14, name: "read-paths", sql: Schema.readPaths),
        Migration(version: 15, name: "checkpoint-marks", sql: Schema.checkpointMarks),
        Migration(version: 16, name: "owner-counts", sql: Schema.ownerCounts),
        Migration(version: 17, name: "retired-session-heads", sql: Schema.retiredSessionHeads),
        Migration(version: 18, name: "branch-merges", sql: Schema.branchMerges),
        Migration(version: 19, name: "comment-ids", sql: Schema.commentIDs),
        Migration(version: 20, name: "checkpoint-time-ties", sql: Schema.checkpointTimeTies),
        Migration(version: 21, name: "cjk-titles", sql: Schema.cjkTitles),
        Migration(version: 22, name: "importer-process", sql: Schema.importerProcess),
        Migration(version: 23, name: "retired-session-final", sql: Schema.retiredSessionFinal),
        Migration(version: 24, name: "cluster-titles", sql: Schema.clusterTitles),
        Migration(version: 25, name: "ordered-titles", sql: Schema.orderedTitles),
        Migration(version: 26, name: "audit-removals", sql: Schema.auditRemovals),
        Migration(version: 27, name: "retired-tails", sql: Schema.retiredTails),
        Migration(version: 28, name: "access-ends", sql: Schema.accessEnds),
        Migration(version: 29, name: "token-lifetimes", sql: Schema.tokenLifetimes),
    ]

    static var latestVersion: Int { all.last!.version }

    /// Applied migrations, oldest first (none when the record is missing: `migrate` makes it, inside
    /// the transaction that applies the first migrations, so a failed creation leaves no table behind).
    static func applied(_ db: Database) throws(StoreError) -> [(version: Int, name: String)] {
        guard try hasMigrationRecord(db) else { return [] }
        return try db.query("SELECT version, name FROM schema_migrations ORDER BY version") {
            (Int($0.int(0)), $0.text(1))
        }
    }

    /// Whether the database has Tandem's migration record. A database with tables but no record is
    /// some other program's and is refused: migrating it would add Tandem's tables to it (and a
    /// failed migration would leave half of them behind).
    static func hasMigrationRecord(_ db: Database) throws(StoreError) -> Bool {
        guard try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") == 0 else { return true }
        let tables = try db.query("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 3
            """) { $0.text(0) }
        guard !tables.isEmpty else { return false }
        throw StoreError(.invalidState, """
            not a Tandem database: it holds other tables (\(tables.joined(separator: ", "))) and no Tandem \
            schema; point Tandem at its own database file
            """)
    }

    /// Brings the database to `target` (default: latest), every pending step in one transaction.
    /// Refuses a database that has migrations this build does not know.
    static func migrate(_ db: Database, upTo target: Int = latestVersion, now: Int64, upgrade: Bool = true) throws(StoreError) {
        let done = try applied(db)
        for entry in done {
            guard let known = all.first(where: { $0.version == entry.version }), known.name == entry.name else {
                throw StoreError(.schemaTooNew, """
                    database schema has migration \(entry.version) "\(entry.name)" which this build does not know \
                    (it knows up to \(latestVersion) "\(all.last!.name)"); the database was written by a newer \
                    Tandem: upgrade Tandem or restore an older backup
                    """)
            }
        }
        let doneVersions = Set(done.map(\.version))
        let pending = all.filter { $0.version <= target && !doneVersions.contains($0.version) }
        if !upgrade, let first = pending.first {
            throw StoreError(.schemaTooOld, done.isEmpty ? "the database has no Tandem schema yet (tandemd creates it at its first start)" : """
                the database's schema is at version \(done.last!.version) "\(done.last!.name)" and this build needs \
                \(latestVersion) "\(all.last!.name)"\(first.version == latestVersion ? "" : " (\(pending.count) migrations, from \(first.version) \"\(first.name)\")"); \
                start tandemd of this version once to upgrade it, after a backup (tandem-admin backup copies any version)
                """)
        }
        guard !pending.isEmpty else { return }
        // Every pending step in one transaction: a creation or an upgrade that fails (a full disk, a
        // kill) leaves the file as it was, never half-migrated (a fresh file with schema 8 of 27 looked
        // like an old database to tandem-admin, and one being upgraded could be opened by neither
        // build). The record is read again under the write lock: another process may have migrated.
        let from = done.last
        let to = pending.last!
        do throws(StoreError) {
            try db.transaction { () throws(StoreError) in
                if try !hasMigrationRecord(db) {
                    try db.execute("""
                        CREATE TABLE schema_migrations(
                          version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)
                        """)
                }
                let doneNow = Set(try applied(db).map(\.version))
                for migration in all where migration.version <= target && !doneNow.contains(migration.version) {
                    try db.execute(migration.sql)
                    try db.run("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                               [.int(migration.version), .text(migration.name), .integer(now)])
                }
            }
        } catch where error.storageFailure == .full {
            let what = from.map { """
                upgrading its schema from version \($0.version) "\($0.name)" to \(to.version) "\(to.name)" was rolled back: the file \
                is as it was (the Tandem that wrote it still opens it)
                """ } ?? "creating the database was rolled back: it holds no Tandem schema yet"
            throw StoreError(.sqlite, """
                \(FileSystemSpace.noSpace(holding: db.path)); \(what); free some space (or move the database to a \
                larger file system) and start tandemd again
                """, sqliteCode: error.sqliteCode)
        }
    }
}
