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
    /// Index turn content for full-text search in the writer's idle time. Appends never index
    /// (that is off the commit path either way); when false, turns are indexed only when a search
    /// needs them. Search results are the same either way.
    public var indexTurnsForSearch: Bool = true
    /// How often a separate connection checkpoints the WAL (PASSIVE), so commits never wait on
    /// a checkpoint; 0 leaves checkpoints to SQLite inside the writer's commits (its default).
    public var checkpointIntervalMilliseconds: Int = 100
    /// Most turns one indexing step (one transaction) indexes: bounds how long a queued write can
    /// wait behind it.
    public var searchIndexBatchTurns: Int = 2_000
    /// Target duration of one indexing step: steps over large turns shrink (down to one turn)
    /// until they fit, so the wait stays bounded whatever the content size.
    public var searchIndexStepMilliseconds: Int = 25
    /// How long the writer must have had no job before it indexes in the background, once at
    /// least `searchIndexMinStepTurns` turns wait.
    public var searchIndexIdleMilliseconds: Int = 5
    /// Fewer turns than this waiting are indexed only after `searchIndexQuietMilliseconds` without
    /// a job: under a steady stream of posts the gaps between group commits are short, and a step
    /// over the few turns of one commit costs several times more per turn than a large one (each
    /// is a transaction that flushes an FTS5 segment). A waiting search never waits for this.
    public var searchIndexMinStepTurns: Int = 1_000
    /// See `searchIndexMinStepTurns`.
    public var searchIndexQuietMilliseconds: Int = 100
    /// A steady stream of posts may never leave the writer the pauses above (at a few thousand
    /// posts/s the gaps between commits are well under a millisecond), and the index, hence every
    /// search, would fall further behind for as long as the stream lasts. So a step also follows
    /// a commit once turns have been waiting this long, or at once when two steps' worth (at least
    /// `searchIndexMinStepTurns`) wait: the index keeps up with any sustained rate the writer can
    /// commit, at most about this far behind.
    public var searchIndexMaxLagMilliseconds: Int = 1_000
    /// Milliseconds since the Unix epoch. Injectable so tests can move time.
    public var clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Wraps each run of write completions on the completion thread (a run covers one or more
    /// committed batches). The server uses it to hand all the events and answers of a run to
    /// its network threads at once; it must call the closure it is given, exactly once.
    public var completionScope: (@Sendable (_ completions: () -> Void) -> Void)?

    public init(path: String) { self.path = path }

    var isMemory: Bool { path == ":memory:" }
}
