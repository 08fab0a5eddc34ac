import Foundation

/// Why a database file cannot be opened, in the operator's terms. SQLite says only "unable to open
/// database file" whether the directory is missing, this user may not create files in it, or the
/// file belongs to another user (a restore left it root's); a start (or a backup's destination)
/// then named no cause or fix.
enum OpenFailureReason {
    /// A sentence naming the cause (the user, the file or directory, its owner and mode), or nil
    /// when none of these is it (an in-memory or URI name, or a cause the file system does not show).
    static func explain(_ path: String) -> String? {
        guard path != ":memory:", !path.hasPrefix("file:"), !path.isEmpty else { return nil }
        let who = "user \(userName(geteuid())) (uid \(geteuid()))"
        let directory = ParentDirectory.of(path)
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { return "\(path) is a directory; --db names the database file" }
            if access(path, R_OK) != 0 { return "\(who) may not read \(path) (\(ownerAndMode(info))); \(fix)" }
            if access(path, W_OK) != 0 { return "\(who) may not write \(path) (\(ownerAndMode(info))); \(fix)" }
            return nil
        }
        guard errno == ENOENT else {
            return errno == EACCES ? "\(who) may not reach \(path): a directory on the way is closed to it; \(fix)" : nil
        }
        var parent = stat()
        guard stat(directory, &parent) == 0 else { return "the directory \(directory) does not exist; create it first" }
        guard parent.st_mode & S_IFMT == S_IFDIR else { return "\(directory) is not a directory" }
        if access(directory, W_OK | X_OK) != 0 {
            return "\(who) may not create files in \(directory) (\(ownerAndMode(parent))); \(fix)"
        }
        return nil
    }

    private static let fix = "run as the owner, or give the user it runs as the file, its -wal and -shm files and their directory"

    private static func ownerAndMode(_ info: stat) -> String {
        "owner \(userName(info.st_uid)), mode 0\(String(info.st_mode & 0o7777, radix: 8))"
    }

    /// The account name of `uid`, or the number when it has none.
    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }
}
