import Foundation
import TandemStore

/// Whether a tandemd serves a database: it holds an exclusive `flock` on `DB-lock` while it runs
/// (`DatabaseLock` in TandemServer), which a shared lock attempt here runs into.
enum ServerPresence {
    /// True when another process holds the server's lock on `databasePath`'s lock file, or on the
    /// database file itself (`ExclusiveUseLock`: a lock file removed under a running tandemd);
    /// false when none does. Call it before opening the database (the look at the file opens it).
    static func serving(databasePath: String) -> Bool {
        ExclusiveUseLock.isHeld(databasePath: databasePath) || lockFileHeld(databasePath: databasePath)
    }

    private static func lockFileHeld(databasePath: String) -> Bool {
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
    /// on the database until `release`; nil when a tandemd holds it. A missing lock file (a database
    /// no tandemd served yet, or restored without it) is made: otherwise a tandemd starting meanwhile
    /// would make it, find it free and serve the file while it is rewritten. Made readable by all
    /// and, by root, given the database's owner, so the server (its service user) can lock it too.
    /// `command` is written in the file after this process's pid, for the refusal a tandemd
    /// starting meanwhile shows.
    static func holdAgainstServer(databasePath: String, command: String) -> HeldLock? {
        let path = databasePath + "-lock"
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let writable = descriptor >= 0
        if writable {
            giveToDatabaseOwner(descriptor, databasePath: databasePath)
        } else {
            // One another user made (the service user): flock needs no write access.
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        }
        // No lock file and none can be made (a directory this user may not write): nor can a
        // server's WAL and -shm files be, so the command's own open of the database fails there.
        guard descriptor >= 0 else { return HeldLock(descriptor: -1) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        if writable {
            let holder = Array("\(getpid()) tandem-admin \(command)\n".utf8)
            _ = ftruncate(descriptor, 0)
            // Safe: the buffer outlives the call and its count is passed with it.
            _ = holder.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        return HeldLock(descriptor: descriptor)
    }

    /// A lock file root just made belongs to root, mode 0644: the service user could only open it
    /// read-only (enough for flock, not for its pid). Given the database file's owner and group.
    private static func giveToDatabaseOwner(_ descriptor: Int32, databasePath: String) {
        guard geteuid() == 0 else { return }
        var database = stat()
        var lock = stat()
        guard stat(databasePath, &database) == 0, fstat(descriptor, &lock) == 0, lock.st_uid == 0,
              database.st_uid != 0 else { return }
        _ = fchown(descriptor, database.st_uid, database.st_gid)
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
