#if canImport(Glibc)
import Glibc
#endif

/// The free space of the file system holding a database, in the words a start-up failure gives
/// ("no space left on the file system holding DB: N bytes free"): SQLite says only "database or disk
/// is full", which names neither the file system nor how full it is.
public enum FileSystemSpace {
    /// What this process may still write on the file system holding `path` (or, when it does not
    /// exist, its directory): bytes (`f_bavail`, root's reserve excluded) and files (`f_favail`,
    /// inodes). Nil when unknown.
    public static func available(near path: String) -> (bytes: Int64, files: Int64)? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 || statvfs(ParentDirectory.of(path), &info) == 0 else { return nil }
        return (Int64(info.f_bavail) * Int64(info.f_frsize), Int64(info.f_favail))
    }

    /// How many files a running tandemd keeps beside its database at most: the database, the search
    /// file, a write-ahead log and a shared-memory file for each, the lock file, and the owner token
    /// file's partial copy at a first start.
    public static let filesBesideDatabase: Int64 = 8

    /// "no space left on the file system holding PATH: N bytes free" (and "no inode free", or how few,
    /// when fewer files can be made than tandemd keeps).
    public static func noSpace(holding path: String) -> String {
        guard let free = available(near: path) else { return "no space left on the file system holding \(path)" }
        let files = switch free.files {
        case 0: ", but no inode (no file can be made)"
        case ..<filesBesideDatabase: ", but only \(free.files) inode(s) (tandemd needs up to \(filesBesideDatabase) files)"
        default: ""
        }
        return "no space left on the file system holding \(path): \(free.bytes) bytes free\(files)"
    }
}

extension StoreError {
    /// This error, said as a full file system holding `databasePath` when it is one and does not say
    /// so yet: for a failure to open or start, where SQLite's words would be all the operator read.
    /// SQLITE_FULL is one; so is an I/O error while the file system has less than 64 KiB left (SQLite
    /// reports a `-shm` file it could not grow as "disk I/O error", SQLITE_IOERR_SHMSIZE), and a file
    /// SQLite could not create (SQLITE_CANTOPEN) while fewer inodes are free than tandemd keeps files
    /// (read after the failed open has closed its connections, whose removed -wal and -shm files gave
    /// inodes back: so not only when none is free).
    public func explainingFullDisk(databasePath: String) -> StoreError {
        guard !message.contains("no space left on the file system") else { return self }
        let free = FileSystemSpace.available(near: databasePath)
        switch storageFailure {
        case .full: break
        case .ioError where (free?.bytes ?? .max) < 64 << 10: break
        case nil where kind == .sqlite && (sqliteCode ?? 0) & 0xFF == 14 /* SQLITE_CANTOPEN */ && (free?.files ?? .max) < FileSystemSpace.filesBesideDatabase: break
        default: return self
        }
        return StoreError(kind, "\(FileSystemSpace.noSpace(holding: databasePath)) (\(message)); free some space and start again",
                          sqliteCode: sqliteCode, field: field)
    }
}
