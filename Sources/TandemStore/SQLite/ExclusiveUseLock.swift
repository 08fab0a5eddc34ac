import Glibc
import Synchronization

/// A lock on the database file itself, outside every byte SQLite locks, that marks "in use by a
/// process no other such process may run beside": tandemd while it serves the file, `tandem-admin
/// compact` while it rewrites it. An open-file-description lock (`F_OFD_SETLK`) on one byte at 2^62.
///
/// The `DB-lock` file says the same, but it can be removed or replaced (an `rm`, a restore's `mv`)
/// while its holder runs, and until the holder notices, another process can make and lock a new
/// one. A lock on the database's own inode goes with the file that is served or rewritten.
///
/// Why this byte and this kind: SQLite's unix VFS takes POSIX locks on the database at
/// 0x40000000 (PENDING), the next byte (RESERVED) and the 510 after (SHARED), and on the -shm file;
/// OFD and POSIX locks on overlapping bytes would conflict, and these never overlap. OFD, not POSIX:
/// a POSIX lock belongs to the process, and SQLite's own close of a descriptor of this file would drop
/// it. The other way round holds too: closing this lock's descriptor drops the POSIX locks SQLite
/// holds on the file in this process, so `release` must come after this process's connections to
/// the file are closed.
public final class ExclusiveUseLock: Sendable {
    /// What `take` found.
    public enum Outcome: Sendable {
        /// The lock is held (`release` it after the connections to the file are closed).
        case held(ExclusiveUseLock)
        /// Another process (or another open of the file in this one) holds it.
        case heldByAnother
        /// No lock could be taken or looked at: the file is missing or cannot be opened, or the
        /// kernel has no OFD locks (before Linux 3.15). Callers go on as before it existed.
        case unavailable
    }

    /// -1 once released.
    private let descriptor: Atomic<Int32>

    private init(descriptor: Int32) { self.descriptor = Atomic(descriptor) }

    deinit { release() }

    /// Takes the lock on the existing file at `databasePath` (never makes it): a write lock when the
    /// file can be opened for writing, a read lock otherwise (which still excludes every write lock).
    public static func take(databasePath: String) -> Outcome {
        var type = Int16(F_WRLCK)
        var descriptor = open(databasePath, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if descriptor < 0 {
            descriptor = open(databasePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            type = Int16(F_RDLCK)
        }
        guard descriptor >= 0 else { return .unavailable }
        var lock = byteLock(type)
        // Safe: fcntl reads the struct flock it points to during the call only.
        if fcntl(descriptor, setLock, &lock) == 0 { return .held(ExclusiveUseLock(descriptor: descriptor)) }
        let taken = errno == EAGAIN || errno == EACCES
        close(descriptor)
        return taken ? .heldByAnother : .unavailable
    }

    /// Whether another process holds the lock on the file at `databasePath` (false when the file is
    /// missing or the question cannot be asked). Opens the file for a moment: call it before this
    /// process opens SQLite connections to the file (the close would drop their locks).
    public static func isHeld(databasePath: String) -> Bool {
        let descriptor = open(databasePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var lock = byteLock(Int16(F_WRLCK))
        // Safe: fcntl writes the struct flock it points to during the call only.
        guard fcntl(descriptor, getLock, &lock) == 0 else { return false }
        return lock.l_type != Int16(F_UNLCK)
    }

    /// Drops the lock. Only once this process's SQLite connections to the file are closed.
    public func release() {
        let descriptor = self.descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    /// The byte locked: 2^62, far past SQLite's (0x40000000 and the 511 after it) and past any
    /// file size SQLite allows (a lock needs no data there).
    static let offset: Int64 = 1 << 62

    private static func byteLock(_ type: Int16) -> flock {
        var lock = flock()
        lock.l_type = type
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = __off_t(offset)
        lock.l_len = 1
        lock.l_pid = 0 // as OFD locks require
        return lock
    }

    /// `F_OFD_GETLK` and `F_OFD_SETLK` (Linux's <asm-generic/fcntl.h>): Glibc declares them only
    /// under `_GNU_SOURCE`, which Swift's Glibc module is not built with.
    private static let getLock: Int32 = 36
    private static let setLock: Int32 = 37
}
