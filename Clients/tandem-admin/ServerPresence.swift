import Foundation

/// Whether a tandemd serves a database: it holds an exclusive `flock` on `DB-lock` while it runs
/// (`DatabaseLock` in TandemServer), which a shared lock attempt here runs into.
enum ServerPresence {
    /// True when another process holds the server's lock on `databasePath`'s lock file; false when
    /// none does or there is no lock file (no tandemd ever served it from this directory).
    static func serving(databasePath: String) -> Bool {
        let descriptor = open(databasePath + "-lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
