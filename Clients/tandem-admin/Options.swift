import ArgumentParser
import Foundation
import TandemJSON
import TandemStore

/// Where the database is, and how to open it.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file (default: $TANDEM_DB, else ./tandem.db).", valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Create the database when the file does not exist yet.")
    var create = false

    @Option(name: .customLong("busy-timeout"),
            help: ArgumentHelp("Seconds to wait while another process (tandemd in a long write, another tandem-admin) holds the database's write lock, before giving up with exit 4 (0.01-600).", valueName: "seconds"))
    var busyTimeout: Double = 5

    @Option(name: .customLong("merge-wait"),
            help: ArgumentHelp("Seconds a write may wait for a branch merge that tandemd is making into its session (a merge in steps holds both sessions), before giving up with exit 4, nothing written (0.1-86400).", valueName: "seconds"))
    var mergeWait: Double = 600

    var path: String { db ?? ProcessInfo.processInfo.environment["TANDEM_DB"] ?? "./tandem.db" }

    func validate() throws {
        guard busyTimeout >= 0.01 && busyTimeout <= 600 else { throw ValidationError("--busy-timeout must be 0.01...600 seconds") }
        guard mergeWait >= 0.1 && mergeWait <= 86_400 else { throw ValidationError("--merge-wait must be 0.1...86400 seconds") }
    }

    private var busyTimeoutMilliseconds: Int32 { Int32((busyTimeout * 1000).rounded(.up)) }

    private var missing: AdminFailure {
        AdminFailure(AdminFailure.database, "no database at '\(path)'; pass --db PATH (or set TANDEM_DB), or --create to make a new one")
    }

    /// Whether there is a database to open at `path`. An empty (0-byte) file is none: SQLite would
    /// make a database of it, so a typo naming some empty file must not turn it into one (and with
    /// --create one is made there). A directory is refused saying so. A file that cannot be looked
    /// at (a directory on its path not searchable) counts as there: opening it says why it fails.
    private func databaseExists() throws -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno != ENOENT && errno != ENOTDIR }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw AdminFailure(AdminFailure.database, "'\(path)' is a directory; pass the database file, e.g. --db \(path.hasSuffix("/") ? path : path + "/")tandem.db")
        }
        guard info.st_size > 0 else {
            if create { return false }
            throw AdminFailure(AdminFailure.database, "'\(path)' is an empty file, not a database; pass --db PATH, or --create to make a new one there")
        }
        return true
    }

    /// Copies the database file as it is to `target` (no store opened: any schema version, nothing written to it).
    func backup(to target: String, compact: Bool = false) throws {
        guard try databaseExists() else { throw missing }
        // A database on a read-only mount is read with immutable=1 (see `withStore`).
        let immutable = ReadOnlyFileSystem.holds(path)
        do throws(StoreError) {
            if compact {
                try Store.compactedCopy(databaseAt: path, to: target, immutable: immutable, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            } else {
                try Store.backup(databaseAt: path, to: target, immutable: immutable, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            }
        } catch {
            if !immutable, let problem = DatabaseAccess.problem(path) {
                throw AdminFailure(AdminFailure.database, "cannot back up '\(path)': \(problem)")
            }
            throw AdminFailure(AdminFailure.database, "cannot back up '\(path)': \(AdminFailure(error, busySeconds: busyTimeout).message)")
        }
    }

    /// Rewrites the database (and search file) packed with auto_vacuum INCREMENTAL; refused while a
    /// tandemd serves it (the VACUUM would hold its write lock for minutes).
    func compact() throws -> [Store.Compaction] {
        guard try databaseExists() else { throw missing }
        // First the lock on the database file itself, which a running tandemd holds even when its
        // lock file was just removed (it makes it again within a second): the lock file alone let a
        // compact start in that second. Released after the compaction's connections are closed.
        let fileLock: ExclusiveUseLock?
        switch ExclusiveUseLock.take(databasePath: path) {
        case .held(let lock): fileLock = lock
        case .heldByAnother:
            throw AdminFailure(AdminFailure.conflict, """
                tandemd is serving '\(path)' (it holds a lock on the database file): compact rewrites the whole file offline; \
                stop tandemd, run compact, start it again
                """)
        case .unavailable: fileLock = nil
        }
        defer { fileLock?.release() }
        // Held while compacting, so that a tandemd starting meanwhile refuses to (its own lock).
        guard let lock = ServerPresence.holdAgainstServer(databasePath: path, command: "compact") else {
            throw AdminFailure(AdminFailure.conflict, """
                tandemd is serving '\(path)' (it holds \(path)-lock): compact rewrites the whole file offline; \
                stop tandemd, run compact, start it again
                """)
        }
        defer { lock.release() }
        do throws(StoreError) {
            return try Store.compact(databaseAt: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        } catch {
            if let problem = DatabaseAccess.problem(path) { throw AdminFailure(AdminFailure.database, "cannot compact '\(path)': \(problem)") }
            throw AdminFailure(AdminFailure.database, "cannot compact '\(path)': \(AdminFailure(error, busySeconds: busyTimeout).message)")
        }
    }

    /// Opens the store, runs `body`, closes the store (finishing its writes). Store errors become
    /// `AdminFailure`s; `session` feeds the hints.
    @discardableResult
    func withStore<T>(session: String? = nil, _ body: (Store) throws -> T) throws -> T {
        let exists = try databaseExists()
        guard create || exists else { throw missing }
        var configuration = StoreConfiguration(path: path)
        configuration.readerCount = 1
        configuration.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        // An existing database is used as it is: upgrading it is tandemd's, after a backup. The
        // search file is the server's too (made by root, it would lock the service user out).
        configuration.migrates = !exists
        configuration.opensSearchFile = false
        // Giving free pages back is tandemd's (a command would wait for a whole pass).
        configuration.reclaimFreeBytes = nil
        // On a read-only mount SQLite cannot open the WAL's -shm file, not even to read. Nothing
        // can be writing a file there, which is the one case where immutable=1 (no locks, no -shm)
        // is safe: reading commands then work, writing ones are refused saying why.
        configuration.immutable = exists && ReadOnlyFileSystem.holds(path)
        // A branch merge under way is the running tandemd's to finish (its merger waits for the
        // answer); with no tandemd, this command finishes it, or its writes to the two sessions
        // would wait for ever.
        let serverRuns = ServerPresence.serving(databasePath: path)
        configuration.resumesMergesAtOpen = !serverRuns
        // A running tandemd's writes are not jobs this process's writer can see queued: its steps
        // (a delete's, an import's) pause after each one, so that the server finds the lock free.
        configuration.adaptiveStepPause = !serverRuns
        // The time stamps this command writes are held as tandemd's are (docs/store.md, "The
        // writer's clock"); the operator running it on a host whose clock fell behind is told.
        configuration.onClockBehind = { step in
            Output.note(step.held
                ? "warning: the system clock is \(step.behind) ms behind the last time stamp in the database (stepped back?): this command's writes keep that stamp"
                : "warning: the system clock is \(step.behind) ms behind the last time stamp in the database, more than the hour stamps are held: this command's writes follow the clock back")
        }
        // A write of this command asking for a session that a merge in steps holds waits for it
        // (its job undone, parked): said after a second, and bounded by --merge-wait.
        let mergeSeconds = mergeWait
        configuration.mergeWait = MergeWaitPolicy(noticeAfter: .seconds(1), limit: .milliseconds(Int64((mergeWait * 1000).rounded(.up)))) { wait in
            Output.note("note: \(AdminFailure.merging(wait)); this command waits for the merge to end, at most "
                + "\(AdminFailure.seconds(mergeSeconds)) s (--merge-wait); Ctrl-C gives up with nothing written")
        }
        let store: Store
        do {
            store = try Store(configuration)
        } catch {
            // A file this user may not write says so, with the fix, rather than SQLite's words.
            if !configuration.immutable, let problem = DatabaseAccess.problem(path) {
                throw AdminFailure(AdminFailure.database, "cannot open database '\(path)': \(problem)")
            }
            throw AdminFailure(AdminFailure.database, "cannot open database '\(path)': \(AdminFailure(error, busySeconds: busyTimeout).message)")
        }
        defer { store.close() }
        do {
            return try body(store)
        } catch let error as StoreError {
            if error.kind == .sqlite, !configuration.immutable, let problem = DatabaseAccess.problem(path) {
                throw AdminFailure(AdminFailure.database, "cannot write database '\(path)': \(problem)")
            }
            throw AdminFailure(error, session: session, busySeconds: busyTimeout, mergeSeconds: mergeWait)
        }
    }
}

/// `--limit` and `--after` of a listing paged by user id (`members`, `contributions`).
struct PageOptions: ParsableArguments {
    @Option(help: "At most this many (1-1000).") var limit = 100
    @Option(help: "Continue after a previous page (its next cursor: a user id).") var after: String?

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
    }

    /// A page's `--json` document: `fields`, `more`, and `next` when more are left.
    static func document(_ fields: [String: JSONValue], next: String?) -> JSONValue {
        var object = fields
        object["more"] = .bool(next != nil)
        if let next { object["next"] = .string(next) }
        return .object(object)
    }
}

/// `--json` for listing commands.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document instead of a table.")
    var json = false
}

/// A span of time written as a number and a unit: 30s, 30m, 12h, 7d, 2w.
struct AdminDuration: Sendable, Equatable {
    var milliseconds: Int64

    static func parse(_ text: String) throws -> AdminDuration {
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
        guard let unit = text.last, let scale = units[unit], let count = Int64(text.dropLast()), count > 0,
              count <= Int64.max / scale
        else {
            throw ValidationError("bad duration '\(text)': use a positive number and a unit s, m, h, d or w (e.g. 90d, 7d, 12h, 30m)")
        }
        return AdminDuration(milliseconds: count * scale)
    }
}

/// Parses a role name, listing the valid ones when it is wrong.
func parseRole(_ text: String) throws -> Role {
    guard let role = Role(rawValue: text.lowercased()) else {
        let names = Role.allCases.sorted(by: >).map(\.rawValue).joined(separator: ", ")
        throw ValidationError("unknown role '\(text)'; roles are \(names)")
    }
    return role
}

/// `tandem-admin --db F users list` as well as `tandem-admin users list --db F`: database options
/// given before the subcommand move after it (before any `--`), where the subcommand reads them.
enum LeadingDatabaseOptions {
    static func normalize(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--db" || first == "--busy-timeout" || first == "--merge-wait", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--db=") || first.hasPrefix("--busy-timeout=") || first.hasPrefix("--merge-wait=") || first == "--create" {
                leading.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard !leading.isEmpty, !rest.isEmpty else { return arguments }
        var reordered = Array(rest)
        reordered.insert(contentsOf: leading, at: reordered.firstIndex(of: "--") ?? reordered.endIndex)
        return reordered
    }
}
