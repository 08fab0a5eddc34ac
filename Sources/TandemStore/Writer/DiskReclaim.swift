import Foundation

/// The free list of one database file, as its header says.
struct FreePages: Sendable, Equatable {
    /// Pages on the free list (freed by deletes, reused by later writes).
    var free: Int
    /// Pages in the file.
    var total: Int
    var pageSize: Int
    /// `auto_vacuum = INCREMENTAL`: free pages can be given back to the file system online.
    var incremental: Bool

    var freeBytes: Int { free * pageSize }
}

/// Gives the free pages of `auto_vacuum = INCREMENTAL` files back to the file system while the
/// store runs, a bounded step at a time (`PRAGMA incremental_vacuum(N)`: it moves up to N pages
/// from the end of the file into free slots and cuts the file's end off). In WAL mode the cut
/// reaches the disk at the next checkpoint that copies every frame (`Checkpointer`).
///
/// Opt-in: files are made with auto_vacuum NONE (an INCREMENTAL file keeps pointer-map pages up
/// to date on every write, which costs write throughput); `Store.compact` converts one offline.
/// On a NONE file nothing here runs but a look at the free list now and then, for /metrics.
///
/// When: a pass starts once the free list holds at least `StoreConfiguration.reclaimFreeBytes`
/// and at least `minShare` of the file, and goes on, step by step, until the list is empty.
/// Below that SQLite reuses the pages for new rows anyway; moving pages for a small share of a
/// big file would cost WAL writes for little disk.
enum DiskReclaim {
    /// The least share of the file the free list must hold for a pass to start.
    static let minShare = 0.05

    /// Reads the free list of `schema` (`main` or `search`) on `db`.
    static func read(_ db: Database, schema: String = "main") throws(StoreError) -> FreePages {
        let free = try db.scalar("PRAGMA \(schema).freelist_count") ?? 0
        let total = try db.scalar("PRAGMA \(schema).page_count") ?? 0
        let size = try db.scalar("PRAGMA \(schema).page_size") ?? 4096
        let mode = try db.scalar("PRAGMA \(schema).auto_vacuum") ?? 0
        return FreePages(free: Int(free), total: Int(total), pageSize: Int(size), incremental: mode == 2)
    }

    /// Whether a pass should start on a file whose free list is `pages` (nil threshold: never).
    static func isWorthReclaiming(_ pages: FreePages, minBytes: Int?) -> Bool {
        guard let minBytes, pages.incremental, pages.free > 0, pages.total > 0 else { return false }
        return pages.freeBytes >= minBytes && Double(pages.free) >= Double(pages.total) * minShare
    }

    /// One step: gives back at most `maxPages` free pages of `schema`. Returns the pages given
    /// back and those left on the free list. Inside the caller's write transaction.
    static func step(_ db: Database, schema: String = "main", maxPages: Int) throws(StoreError) -> (reclaimed: Int, left: Int) {
        let before = try db.scalar("PRAGMA \(schema).freelist_count") ?? 0
        // `execute` steps the pragma to its end: it returns a row per page moved.
        try db.execute("PRAGMA \(schema).incremental_vacuum(\(max(1, maxPages)))")
        let after = try db.scalar("PRAGMA \(schema).freelist_count") ?? 0
        return (Int(before - after), Int(after))
    }

    /// Sets `auto_vacuum = INCREMENTAL` on `schema` of `db` if its file is new (no page yet):
    /// SQLite takes the mode only before the first table. An existing file keeps its mode.
    /// (A search file made beside a converted database: `SearchFile.prepare`.)
    static func makeIncrementalIfNew(_ db: Database, schema: String = "main") throws(StoreError) {
        guard try db.scalar("PRAGMA \(schema).page_count") == 0 else { return }
        try db.execute("PRAGMA \(schema).auto_vacuum=INCREMENTAL")
    }
}

extension DiskReclaim {
    /// One round on `file` (schema `schema` of `db`, inside the caller's write transaction):
    /// reads its free list and, when a pass is under way or worth starting, runs one step of at
    /// most `maxPages`. Returns whether another step is due. `minBytes` nil: never reclaims.
    static func round(_ db: Database, schema: String = "main", file: DiskSpace.File, space: DiskSpace,
                      minBytes: Int?, maxPages: Int) throws(StoreError) -> Bool {
        let pages = try read(db, schema: schema)
        space.note(file, pages)
        guard minBytes != nil, pages.incremental, pages.free > 0,
              space.isRunning(file) || isWorthReclaiming(pages, minBytes: minBytes) else { return false }
        let (reclaimed, _) = try step(db, schema: schema, maxPages: maxPages)
        let after = try read(db, schema: schema)
        space.noteStep(file, reclaimed: reclaimed, now: after)
        return after.free > 0 && reclaimed > 0
    }
}
