import Foundation

/// The sizes an operator watches to see a full disk coming: the file system holding the database,
/// and the database's WAL. Read by `RateSampler` once a second (a `statvfs` and a `stat`), never
/// on an event loop or per request.
struct StoreFileSizes: Equatable {
    /// Bytes an unprivileged process may still write on the database's file system (tandemd runs
    /// as one: blocks reserved for root do not count) and the file system's size.
    var fileSystemAvailableBytes: Int
    var fileSystemSizeBytes: Int
    /// The `-wal` file's size (0 when there is none): it grows between checkpoints, and a reader
    /// held open for long keeps it from being reused.
    var walBytes: Int

    /// Nil for an in-memory database, or when the directory cannot be read.
    static func read(databasePath: String) -> StoreFileSizes? {
        guard databasePath != ":memory:" else { return nil }
        let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
        var space = statvfs()
        guard statvfs(directory, &space) == 0 else { return nil }
        var wal = stat()
        let walBytes = stat(databasePath + "-wal", &wal) == 0 ? Int(wal.st_size) : 0
        let unit = Int(space.f_frsize)
        return StoreFileSizes(fileSystemAvailableBytes: Int(space.f_bavail) * unit,
                              fileSystemSizeBytes: Int(space.f_blocks) * unit, walBytes: walBytes)
    }
}
