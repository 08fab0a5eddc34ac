import Foundation
import Synchronization

/// One tandemd per database: an exclusive `flock` on `DB-lock`, held while the server runs.
///
/// Two servers on one file would each keep their own live sessions, presence and per-user limits,
/// hear each other's turns only through the change-log watcher (hundreds of milliseconds late), and
/// race each other's migrations on a new file. A separate file, not the database: closing any
/// descriptor of the database would drop the POSIX locks SQLite holds on it in this process.
/// `tandem-admin` takes it only for `compact`, which rewrites the file offline (made if missing,
/// so that a server starting meanwhile finds it held); its other commands run beside tandemd.
final class DatabaseLock: Sendable {
    let path: String
    /// -1 once released: `release` and `deinit` close it once between them.
    private let descriptor: Atomic<Int32>

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

    /// Releases the lock (at shutdown; the process's exit releases it too, kill -9 included).
    func release() {
        let descriptor = self.descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    deinit { release() }
}
