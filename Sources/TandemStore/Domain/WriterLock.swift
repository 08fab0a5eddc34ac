import Glibc
import Synchronization

/// The lock that proves a hidden session's writer alive from any pid namespace of this host: the
/// file `DB-writers` beside the database, on one byte of which each store that writes hidden
/// sessions holds an open-file-description lock (`F_OFD_SETLK`, Linux 3.15) at a random offset
/// below 2^62, recorded in the sessions it writes (`ImportOwner.LockSlot`).
///
/// The kernel drops the lock when the last descriptor of that open file goes: the store's
/// `close()`, or its process's death (kill -9 included), whichever container it ran in, for every
/// process on this kernel that shares the volume (SQLite's WAL already needs one host). OFD locks,
/// not POSIX ones: those belong to the process, so closing any other descriptor of the file here
/// (a judge's look) would drop them, and another store of this process could not see them. The
/// file holds no data: it is empty, and a backup need not copy it.
final class WriterLock: Sendable {
    /// The lock file of the database at `databasePath`.
    static func path(forDatabase databasePath: String) -> String { databasePath + "-writers" }

    private struct Held: Sendable {
        var descriptor: Int32
        var slot: ImportOwner.LockSlot
    }

    let databasePath: String
    private let held = Mutex<Held?>(nil)

    init(databasePath: String) { self.databasePath = databasePath }

    deinit { release() }

    /// This store's slot, locked before it is returned (taken at the first call): the caller records
    /// it only once it is held, so no judge can see a recorded slot that was never locked. Nil when
    /// the file cannot be opened or locked (a read-only directory, a kernel without OFD locks):
    /// the writer is then recorded as before, `v1`, and judged from `/proc` alone.
    func slot() -> ImportOwner.LockSlot? {
        held.withLock { held in
            if let held { return held.slot }
            held = Self.take(databasePath: databasePath)
            return held?.slot
        }
    }

    /// Drops the lock (the store's `close()`, after its last write): hidden sessions this store was
    /// writing are then provably abandoned. Idempotent.
    func release() {
        held.withLock { held in
            if let descriptor = held?.descriptor { close(descriptor) }
            held = nil
        }
    }

    /// Opens the lock file (making it, 0600, when missing) and locks one byte of it.
    private static func take(databasePath: String) -> Held? {
        let path = path(forDatabase: databasePath)
        // No symbolic link followed, no FIFO waited on; never inherited by a child (O_CLOEXEC: a
        // child that outlived this process would hold its lock and keep its sessions "alive").
        let flags = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        var type = Int16(F_WRLCK)
        var descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | flags, 0o600)
        if descriptor >= 0 {
            // Made by root (a tool run by the operator): the server's user must be able to open it,
            // as SQLite gives its -wal and -shm files the database's owner. Only a file made here.
            var database = stat()
            if geteuid() == 0 && stat(databasePath, &database) == 0 {
                _ = fchown(descriptor, database.st_uid, database.st_gid)
            }
        } else if errno == EEXIST {
            descriptor = open(path, O_RDWR | flags)
            if descriptor < 0 {
                // Another user's file we may only read: a read lock is seen all the same.
                descriptor = open(path, O_RDONLY | flags)
                type = Int16(F_RDLCK)
            }
        }
        guard descriptor >= 0 else { return nil }
        var file = stat()
        guard fstat(descriptor, &file) == 0, file.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        // Two stores picking one offset: 1 in 2^62; another try if it happens all the same.
        for _ in 0..<4 {
            let offset = Int64.random(in: 0 ..< ImportOwner.LockSlot.offsetLimit)
            var lock = byteLock(type, at: offset)
            // Safe: fcntl reads the struct flock it points to during the call only.
            if fcntl(descriptor, WriterLock.setLock, &lock) == 0 {
                let slot = ImportOwner.LockSlot(device: UInt64(file.st_dev), inode: UInt64(file.st_ino), offset: offset)
                return Held(descriptor: descriptor, slot: slot)
            }
            // EINVAL: a kernel without OFD locks; anything but a held byte ends the tries.
            if errno != EAGAIN && errno != EACCES { break }
        }
        close(descriptor)
        return nil
    }

    /// What the lock file says about `slots` now, each `held` or `free`; a slot the file does not
    /// answer for is left out (the judge then falls back on `/proc`): no file (never made, or removed), a file with another
    /// device or inode than the one the slot was taken in (replaced, or this database is a copy),
    /// or an error. A live holder keeps its inode allocated, so a file with the recorded device and
    /// inode is the very file it locked. Opens the file read-only and never makes it.
    static func look(_ slots: Set<ImportOwner.LockSlot>, databasePath: String) -> [ImportOwner.LockSlot: ImportOwner.LockState] {
        guard !slots.isEmpty else { return [:] }
        let descriptor = open(path(forDatabase: databasePath), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return [:] }
        // Closing it drops no lock of this process's stores: theirs are OFD locks of their own files.
        defer { close(descriptor) }
        var file = stat()
        guard fstat(descriptor, &file) == 0, file.st_mode & S_IFMT == S_IFREG else { return [:] }
        var states: [ImportOwner.LockSlot: ImportOwner.LockState] = [:]
        for slot in slots where slot.device == UInt64(file.st_dev) && slot.inode == UInt64(file.st_ino) {
            // A write lock conflicts with any lock: the answer says whether anyone holds the byte
            // (this process's stores included: a lock of another open file conflicts too).
            var lock = byteLock(Int16(F_WRLCK), at: slot.offset)
            // Safe: fcntl writes the struct flock it points to during the call only.
            guard fcntl(descriptor, WriterLock.getLock, &lock) == 0 else { continue }
            states[slot] = lock.l_type == Int16(F_UNLCK) ? .free : .held
        }
        return states
    }

    /// A lock of the one byte at `offset` (`l_pid` 0, as OFD locks require).
    private static func byteLock(_ type: Int16, at offset: Int64) -> flock {
        var lock = flock()
        lock.l_type = type
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = __off_t(offset)
        lock.l_len = 1
        lock.l_pid = 0
        return lock
    }

    /// `F_OFD_GETLK` and `F_OFD_SETLK` (Linux's <asm-generic/fcntl.h>): Glibc declares them only
    /// under `_GNU_SOURCE`, which Swift's Glibc module is not built with.
    private static let getLock: Int32 = 36
    private static let setLock: Int32 = 37
}
