import Foundation
import TandemStore

/// Why this user cannot use a database file that exists, in the operator's terms. The usual cause
/// is running tandem-admin as yourself on the service's database (owned by `tandem`, mode 0600):
/// SQLite then says "unable to open database file" or "attempt to write a readonly database",
/// which names neither the user nor the fix.
enum DatabaseAccess {
    /// nil when this process may read and write `path` and create its `-wal`/`-shm` companions
    /// (SQLite needs all of that even to read a WAL database), else a sentence saying who may.
    /// A read-only file system is not asked about here: tandem-admin reads such a file immutable.
    static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let directory = ParentDirectory.of(path)
        let lacks: String
        if access(path, R_OK) != 0 {
            lacks = "may not read '\(path)'"
        } else if access(path, W_OK) != 0 {
            lacks = "may not write '\(path)', which SQLite needs even to read it (its WAL index)"
        } else if !companionsWritable(path), access(directory, W_OK | X_OK) != 0 {
            lacks = "may not create files in '\(directory)', which SQLite needs for the database's -wal and -shm files"
        } else {
            return nil
        }
        let owner = userName(info.st_uid)
        let mode = String(info.st_mode & 0o7777, radix: 8)
        return "user \(userName(geteuid())) \(lacks) (owner \(owner), mode 0\(mode)); "
            + "run tandem-admin as the database's owner, e.g. sudo -u \(owner) tandem-admin ..."
    }

    /// Both companions exist and are writable (then the directory need not be).
    private static func companionsWritable(_ path: String) -> Bool {
        ["-wal", "-shm"].allSatisfy { access(path + $0, W_OK) == 0 }
    }

    /// The account name of `uid`, or the number when it has none.
    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }
}
