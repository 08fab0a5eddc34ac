import Foundation

extension Store {
    /// What `compact(databaseAt:)` did to one file.
    public struct Compaction: Sendable, Equatable {
        public var path: String
        public var bytesBefore: Int
        public var bytesAfter: Int
        /// Whether the file could not give space back online before (auto_vacuum NONE).
        public var converted: Bool
    }

    /// Rewrites the database at `path`, and its search file when there is one, packed and with
    /// `auto_vacuum = INCREMENTAL` (one full `VACUUM` each: SQLite can switch an existing file's
    /// mode no other way), so that from then on the store gives freed space back online
    /// (`DiskReclaim`). Offline: the caller makes sure no server uses the file; the VACUUM holds
    /// the write lock for as long as it rewrites the file (minutes for gigabytes) and needs about
    /// the file's size free beside it.
    public static func compact(databaseAt path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws(StoreError) -> [Compaction] {
        var done = [try compactFile(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, checkSchema: true)]
        let search = SearchFile.path(forDatabase: path)
        if FileManager.default.fileExists(atPath: search) {
            done.append(try compactFile(search, busyTimeoutMilliseconds: busyTimeoutMilliseconds))
        }
        return done
    }

    /// `checkSchema`: refuse a database of another schema version than this build's, as the store
    /// does for tandem-admin (`schema_too_new`, `schema_too_old`), and one that is not Tandem's:
    /// a VACUUM rewrites every table (and may renumber the rows of one without an INTEGER PRIMARY
    /// KEY), which this build may only do to the schema it knows.
    private static func compactFile(_ path: String, busyTimeoutMilliseconds: Int32, checkSchema: Bool = false) throws(StoreError) -> Compaction {
        let before = fileBytes(path)
        let db = try Database(path: path, requireWritable: true, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        if checkSchema {
            guard try Migrations.hasMigrationRecord(db) else { throw StoreError(.schemaTooOld, "the database has no Tandem schema yet") }
            try Migrations.migrate(db, now: 0, upgrade: false)
        }
        let converted = try !DiskReclaim.read(db).incremental
        try db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        try db.execute("VACUUM")
        // The rewritten pages are in the WAL: copy them back and cut the file (and the WAL) to size.
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        guard try DiskReclaim.read(db).incremental else {
            throw StoreError(.sqlite, "\(path): VACUUM did not switch the file to auto_vacuum INCREMENTAL")
        }
        return Compaction(path: path, bytesBefore: before, bytesAfter: fileBytes(path), converted: converted)
    }

    private static func fileBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
