import Foundation

/// Tandem's persistent memory: one writer (group commit) plus a pool of readers over one SQLite file.
///
/// Every domain method here is synchronous and blocks until its write is committed (or its read is
/// done); the hot paths also have completion-callback forms that never block the caller. Methods
/// that act for a user take `actor` (a user id) and check `Permissions` against that user's role.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    /// The single write connection's owner. Exposed so callers can submit their own batched jobs.
    public let writer: StoreWriter
    private let readers: ReaderPool?
    private let checkpointer: Checkpointer?

    /// Opens (creating and migrating as needed) the database described by `configuration`.
    /// Throws `schema_too_new` when the file was written by a newer build.
    public init(_ configuration: StoreConfiguration) throws(StoreError) {
        self.configuration = configuration
        let db = try Database(path: configuration.path, synchronous: configuration.synchronous,
                              busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                              cacheBytes: configuration.cacheBytes)
        try Migrations.migrate(db, now: configuration.clock())
        if !configuration.isMemory && configuration.checkpointIntervalMilliseconds > 0 {
            checkpointer = try Checkpointer(configuration: configuration)
            // The writer checkpoints itself only if the checkpointer falls far behind.
            try db.execute("PRAGMA wal_autocheckpoint=\(Checkpointer.writerFallbackPages)")
            try db.execute("PRAGMA journal_size_limit=\(64 << 20)")
        } else {
            checkpointer = nil
        }
        writer = StoreWriter(database: db, configuration: configuration)
        readers = configuration.isMemory ? nil : ReaderPool(configuration: configuration)
    }

    /// Convenience: a store on `path` with default settings.
    public convenience init(path: String) throws(StoreError) {
        try self.init(StoreConfiguration(path: path))
    }

    /// A store that is dropped without `close()` still finishes its queued writes.
    deinit { close() }

    /// Finishes queued writes and closes the connections. Idempotent.
    public func close() {
        writer.close()
        checkpointer?.close()
        readers?.closeAll()
    }

    /// WAL checkpoints run by the background checkpointer (0 when it is off).
    var checkpointsRun: Int { checkpointer?.completedRuns ?? 0 }

    /// Runs a write job and waits for its commit.
    @discardableResult
    func write<T: Sendable>(deferrable: Bool = false, savepoint: Bool = true,
                            _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T) throws(StoreError) -> T {
        try writer.perform(deferrable: deferrable, savepoint: savepoint, body)
    }

    /// Runs `body` on a reader in one read transaction (a consistent snapshot). For `:memory:`
    /// databases the read runs on the writer, which owns the only connection.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws(StoreError) -> T) throws(StoreError) -> T {
        if let readers { return try readers.withReader(body) }
        return try writer.perform { ctx throws(StoreError) in try body(ctx.db) }
    }

    /// Copies the live database to `path` with SQLite's online backup API.
    public func backup(to path: String) throws(StoreError) {
        // A reader copies a committed snapshot; the writer keeps committing meanwhile (WAL).
        try read { db throws(StoreError) in try db.backup(to: path) }
    }

    /// Current clock reading, in Unix milliseconds.
    public var now: Int64 { configuration.clock() }
}
