import Foundation

/// The files a Tandem database is made of, so that nothing the CLI writes lands on one of them
/// (a backup or an export written over the live database, or its WAL, would destroy it).
enum DatabaseFiles {
    /// The database file and its companions: SQLite's WAL, shared-memory and journal files, the
    /// search file with its own, tandemd's one-server lock (`-lock`) and the lock file of hidden
    /// sessions' writers (`-writers`): a lock file written over, or replaced, answers for no lock.
    static func paths(of database: String) -> [String] {
        let suffixes = ["", "-wal", "-shm", "-journal"]
        return suffixes.map { database + $0 } + suffixes.map { database + "-search" + $0 } + [database + "-lock", database + "-writers"]
    }

    /// Throws a usage failure when `target` is a directory or one of `database`'s files: the same
    /// file (device and inode) when both exist, else the same absolute path with symlinks resolved.
    static func refuseAsTarget(_ target: String, database: String, what: String) throws {
        var targetStat = stat()
        let targetExists = stat(target, &targetStat) == 0
        if targetExists && (targetStat.st_mode & S_IFMT) == S_IFDIR {
            throw AdminFailure(AdminFailure.usage, "'\(target)' is a directory; name the \(what) file to write")
        }
        let resolvedTarget = resolved(target)
        for file in paths(of: database) {
            var fileStat = stat()
            let same = targetExists && stat(file, &fileStat) == 0
                ? fileStat.st_dev == targetStat.st_dev && fileStat.st_ino == targetStat.st_ino
                : resolved(file) == resolvedTarget
            if same {
                throw AdminFailure(AdminFailure.usage, "'\(target)' is \(file == database ? "the database" : "a file of the database (\(file))"); write the \(what) elsewhere")
            }
        }
    }

    /// `path` made absolute, its directory's symlinks resolved (the file itself may not exist yet).
    private static func resolved(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }
}
