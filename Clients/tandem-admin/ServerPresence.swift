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

    /// Takes the server's lock on `databasePath`'s lock file exclusively, so that no tandemd starts
    /// on the database until `release`; nil when a tandemd holds it. No lock file: nothing to take
    /// (made here, it could belong to a user the server cannot open it as).
    static func holdAgainstServer(databasePath: String) -> HeldLock? {
        let descriptor = open(databasePath + "-lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return serving(databasePath: databasePath) ? nil : HeldLock(descriptor: -1) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return HeldLock(descriptor: descriptor)
    }

    /// A lock taken by `holdAgainstServer`.
    struct HeldLock {
        let descriptor: Int32
        func release() {
            guard descriptor >= 0 else { return }
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }
}
