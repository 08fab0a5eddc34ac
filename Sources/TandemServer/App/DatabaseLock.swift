import Foundation
import Synchronization
import TandemStore

/// One tandemd per database: an exclusive `flock` on `DB-lock`, held while the server runs, and
/// an `ExclusiveUseLock` on the database file itself (`holdFile`, once the store has opened it).
///
/// Two servers on one file would each keep their own live sessions, presence and per-user limits,
/// hear each other's turns only through the change-log watcher (hundreds of milliseconds late), and
/// race each other's migrations on a new file. A separate file, not the database: closing any
/// descriptor of the database would drop the POSIX locks SQLite holds on it in this process.
/// `tandem-admin` takes it only for `compact`, which rewrites the file offline (made if missing,
/// so that a server starting meanwhile finds it held); its other commands run beside tandemd.
/// The lock file can be removed while tandemd runs (made again within a second, `keepInPlace`);
/// the lock on the database file cannot, and `compact` checks both.
final class DatabaseLock: Sendable {
    let path: String
    /// -1 once released: `release` and `deinit` close it once between them.
    private let descriptor: Atomic<Int32>
    /// Whether the server has logged that another process holds the lock file made after this one's
    /// went (said once, until it is in place again).
    let reportedTaken = Atomic<Bool>(false)
    /// The lock on the database file itself (`holdFile`); released after the store is closed.
    private let fileLock = Mutex<ExclusiveUseLock?>(nil)

    /// Another process holds the lock on the database file itself though `DB-lock` was free to take:
    /// the lock file was removed or replaced while a tandemd or `tandem-admin compact` held it.
    struct FileHeld: Error, CustomStringConvertible {
        let databasePath: String
        var description: String {
            "another tandemd, or tandem-admin compact, is using '\(databasePath)' (it holds a lock on the database file, "
                + "though its lock file \(databasePath)-lock was free: removed or replaced while it ran); stop it first"
        }
    }

    struct Held: Error, CustomStringConvertible {
        let path: String
        let holder: String?
        var description: String {
            // `tandem-admin compact` writes "PID tandem-admin compact" while it rewrites the file offline.
            if let holder, let space = holder.firstIndex(of: " "), holder[space...].contains("tandem-admin") {
                let command = holder[holder.index(after: space)...]
                return "\(command) (pid \(holder[..<space])) is rewriting this database offline (it holds \(path)); "
                    + "start tandemd once it has finished"
            }
            return "another tandemd\(holder.map { " (pid \($0))" } ?? "") is serving this database (it holds \(path)); "
                + "stop it first, or give this one another --db: two servers would not share live sessions, presence or limits"
        }
    }

    /// Takes the lock for the database at `databasePath`, or throws `Held` naming the holder's pid. Nil
    /// when the lock file cannot be made (a directory this process may not write): opening the
    /// database then fails too, and its message says what is wrong with the directory.
    static func acquire(databasePath: String) throws -> DatabaseLock? {
        let path = databasePath + "-lock"
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // One another user made (root, once): flock needs no write access.
        if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        return try DatabaseLock(path: path, descriptor: descriptor)
    }

    private init(path: String, descriptor: Int32) throws {
        self.path = path
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw Held(path: path, holder: holder?.isEmpty == false ? holder : nil)
        }
        // The holder's pid, for the message another start shows.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        // Safe: the buffer outlives the call and its count is passed with it.
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = Atomic(descriptor)
    }

    /// What `keepInPlace` found.
    enum Placement: Equatable {
        /// The lock file is the one held.
        case inPlace
        /// It had been removed or replaced (an `rm`, a restore's `mv`): a new one is made and held.
        case restored
        /// It had been, and the new one is held by another process (named by its pid line, if any):
        /// `tandem-admin compact` or a second tandemd took it meanwhile.
        case takenBy(String?)
    }

    /// Checks that `path` is still the file this lock holds, and takes the lock on a new one if it
    /// was removed or replaced: a lock on a file no longer there hides this server from
    /// `tandem-admin compact` and from a second tandemd. Once a second (`RateSampler`).
    func keepInPlace() -> Placement {
        let current = descriptor.load(ordering: .acquiring)
        guard current >= 0 else { return .inPlace }
        var held = stat()
        var named = stat()
        guard fstat(current, &held) == 0 else { return .inPlace }
        if stat(path, &named) == 0 && named.st_dev == held.st_dev && named.st_ino == held.st_ino { return .inPlace }
        var fresh = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fresh < 0 { fresh = open(path, O_RDONLY | O_CLOEXEC) }
        guard fresh >= 0 else { return .takenBy(nil) }
        guard flock(fresh, LOCK_EX | LOCK_NB) == 0 else {
            close(fresh)
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return .takenBy(holder?.isEmpty == false ? holder : nil)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fresh, 0)
        // Safe: the buffer outlives the call and its count is passed with it.
        _ = pid.withUnsafeBytes { pwrite(fresh, $0.baseAddress, $0.count, 0) }
        let old = descriptor.exchange(fresh, ordering: .acquiringAndReleasing)
        if old >= 0 {
            close(old)
        } else if descriptor.compareExchange(expected: fresh, desired: -1, ordering: .acquiringAndReleasing).exchanged {
            close(fresh) // released meanwhile (shutdown): not held again
        }
        return .restored
    }

    /// Takes the lock on the database file itself, once the store has opened (made) it; throws
    /// `FileHeld` when another process holds it. A kernel without OFD locks leaves the lock file alone.
    func holdFile(databasePath: String) throws(FileHeld) {
        switch ExclusiveUseLock.take(databasePath: databasePath) {
        case .held(let lock): fileLock.withLock { $0 = lock }
        case .heldByAnother: throw FileHeld(databasePath: databasePath)
        case .unavailable: break
        }
    }

    /// Releases the lock (at shutdown, after the store is closed: closing the database file's
    /// descriptor drops this process's SQLite locks on it; the process's exit releases it too, kill -9 included).
    func release() {
        fileLock.withLock { lock in
            lock?.release()
            lock = nil
        }
        let descriptor = self.descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    deinit { release() }
}
