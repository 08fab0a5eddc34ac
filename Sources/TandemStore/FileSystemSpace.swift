#if canImport(Glibc)
import Glibc
#endif

/// The free space of the file system holding a database, in the words a start-up failure gives
/// ("no space left on the file system holding DB: N bytes free"): SQLite says only "database or disk
/// is full", which names neither the file system nor how full it is.
public enum FileSystemSpace {
    /// Bytes this process may still write on the file system holding `path` (or, when it does not
    /// exist, its directory): `statvfs`'s `f_bavail`, root's reserve excluded. Nil when unknown.
    public static func availableBytes(near path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 || statvfs(ParentDirectory.of(path), &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// "no space left on the file system holding PATH: N bytes free".
    public static func noSpace(holding path: String) -> String {
        let free = availableBytes(near: path).map { "\($0) bytes free" } ?? "its free space unknown"
        return "no space left on the file system holding \(path): \(free)"
    }
}

extension StoreError {
    /// This error, said as a full file system holding `databasePath` when it is one and does not say
    /// so yet: for a failure to open or start, where SQLite's words would be all the operator read.
    /// SQLITE_FULL is one; so is an I/O error while the file system has less than 64 KiB left (SQLite
    /// reports a `-shm` file it could not grow as "disk I/O error", SQLITE_IOERR_SHMSIZE).
    public func explainingFullDisk(databasePath: String) -> StoreError {
        guard !message.contains("no space left on the file system") else { return self }
        switch storageFailure {
        case .full: break
        case .ioError where (FileSystemSpace.availableBytes(near: databasePath) ?? .max) < 64 << 10: break
        default: return self
        }
        return StoreError(kind, "\(FileSystemSpace.noSpace(holding: databasePath)) (\(message)); free some space and start again",
                          sqliteCode: sqliteCode, field: field)
    }
}
