import Foundation

/// Everything configurable about a store. Limits are explicit so the server can surface them.
public struct StoreConfiguration: Sendable {
    /// File path, or `":memory:"` for a private in-memory database (reads then go through the writer).
    public var path: String
    public var synchronous: SynchronousMode = .normal
    public var busyTimeoutMilliseconds: Int32 = 5_000
    /// Reader connections in the pool (ignored for `:memory:`).
    public var readerCount: Int = 4
    /// SQLite page cache per connection, in bytes: the writer and each reader may each hold this much.
    public var cacheBytes: Int = 64 << 20
    /// Most write jobs run in one group-commit transaction.
    public var maxBatchJobs: Int = 20_000
    /// Queued write jobs beyond which submissions fail fast with `busy` (back-pressure).
    public var maxQueuedJobs: Int = 200_000
    /// Largest turn content / comment body, in UTF-8 bytes.
    public var maxContentBytes: Int = 1 << 20
    /// Largest serialized JSON value (metadata, row values), in bytes.
    public var maxJSONBytes: Int = 1 << 20
    /// Largest title / display name, in UTF-8 bytes.
    public var maxTitleBytes: Int = 1_024
    /// Most turns in one batch append.
    public var maxBatchTurns: Int = 10_000
    /// Index turn content for full-text search at append time (batched per group commit).
    public var indexTurnsForSearch: Bool = true
    /// Milliseconds since the Unix epoch. Injectable so tests can move time.
    public var clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public init(path: String) { self.path = path }

    var isMemory: Bool { path == ":memory:" }
}
