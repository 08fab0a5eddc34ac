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
    /// Callers that may block at once in a synchronous write (`Store`'s throwing methods) parked on
    /// a session a branch merge in steps holds; beyond it such a write answers `busy` at once
    /// instead of waiting for the merge. Unlimited by default (a tool's one thread may as well
    /// wait); the server sets it below its work pool's size (`max-merge-waits`), so that writes
    /// to a held session cannot take every work thread and stall every other session's requests.
    public var maxBlockedOnMerges: Int = .max
    /// A notice for a write parked behind a branch merge's hold, and how long it may wait before it
    /// is answered `busy` with nothing of it written (`MergeWaitPolicy`). nil (tandemd): no notice,
    /// and it waits until the merge ends (`maxBlockedOnMerges` bounds the threads that do).
    /// tandem-admin sets it (`--merge-wait`).
    public var mergeWait: MergeWaitPolicy?
    /// Largest turn content / comment body, in UTF-8 bytes.
    public var maxContentBytes: Int = 1 << 20
    /// Largest comment body, in UTF-8 bytes.
    public var maxCommentBytes: Int = 1 << 20
    /// Largest serialized metadata object of a session or turn, in bytes.
    public var maxMetadataBytes: Int = 1 << 20
    /// Largest serialized row value, in bytes: values written, merged values and imported ones.
    public var maxRowValueBytes: Int = 1 << 20
    /// Most steps one stale row write's three-way merge may take, and one branch merge over all
    /// its rows' merges together (its check, and each writer job of its writes: `MergeDiffBudget`):
    /// the line-diff search steps of its text merges (`LineDiff`; a step is a diagonal tried or a
    /// matching line followed, a few ns) and its walk over the values (`ThreeWayMerge.stepsPer...`,
    /// each about as long as that many diff steps). Texts that differ throughout make O(ND)
    /// quadratic, a row of many values changed on both sides is long to walk, and the merge runs on
    /// the single writer: past it the write answers `limit_exceeded`. 10^7 is ~30 ms; an everyday
    /// edit of a 1 MiB text takes a few thousand, a row of 300 small objects changed on both sides ~2 x 10^6.
    public var maxMergeDiffSteps: Int = 10_000_000
    /// Conflicting text regions (`MergeConflict.lines`) one row's merge lists, over all its texts
    /// (a stale `state.put`'s, or each row of a branch merge): the first in path order, then text
    /// order; the text cut short says `linesMore`. Bounds the answer (a text can conflict every other
    /// line: ~64,000 regions, ~4 MB, for a 256 KiB value). `max-conflict-lines`.
    public var maxConflictLines: Int = 1_000
    /// Conflicting keys a `branch.merge`'s answer lists (the first in key byte order): its check
    /// stops reading rows once one more than these conflicts (the answer then says there are more,
    /// `BranchMergeResult.conflict(_, more:)`), so neither the answer nor the check's memory grows with the
    /// branch. `max-merge-listed`.
    public var maxMergeConflictsReported: Int = 1_000
    /// Merged row keys a `branch.merge`'s answer lists (`BranchMergeSummary.rowKeys`: the first in
    /// key byte order, the order the merge writes them); the rest are only counted
    /// (`rowCount`), so neither the answer nor the merger's memory grows with the rows merged (a
    /// merge of 10^5 rows answered megabytes of keys, all held until it ended). `max-merge-listed`.
    public var maxMergeRowsReported: Int = 1_000
    /// Full-text index entries one search page examines (titles and turns each): a page that
    /// reaches it ends there, with fewer hits than asked (even none) and a `nextCursor` at the
    /// last entry examined. Membership and status are checked per match after the index gives
    /// it, so without this a user with few sessions walked every match on the server, seconds
    /// on a big one. `max-search-scan`.
    public var maxSearchScan: Int = 20_000
    /// Largest title / display name, in UTF-8 bytes.
    public var maxTitleBytes: Int = 1_024
    /// Most turns in one batch append.
    public var maxBatchTurns: Int = 10_000
    /// Quotas (`Quotas`): what one user can make the server keep. Past one, the user's request
    /// answers `limit_exceeded` naming the server setting that raises it; the operator's path
    /// (`tandem-admin`, `admin…` methods) is not held to them. Defaults sit far above any real
    /// team's use and only stop a runaway script or a hostile account.
    /// Sessions one user owns (`sessions.owner`, sessions being deleted not counted): checked by
    /// `session.create`, sessions from a template, claimed imports and branches (a branch is its
    /// source owner's, and copies the source's turns: this also bounds that amplification).
    /// Server setting `max-sessions-per-user`.
    public var maxSessionsPerUser: Int = 10_000
    /// Working (unrevoked, unexpired) share links of one session. `max-share-links-per-session`.
    public var maxShareLinksPerSession: Int = 1_000
    /// Checkpoints of one session. `max-checkpoints-per-session`.
    public var maxCheckpointsPerSession: Int = 1_000
    /// Templates one user saved. `max-templates-per-user`.
    public var maxTemplatesPerUser: Int = 1_000
    /// Per-session caps, counted by triggers (`session_counts`), so a check reads one row
    /// whatever the session's size. Each sits two orders of magnitude above what a working
    /// session holds and bounds what one runaway script can make one session (and every branch,
    /// export and checkpoint of it) cost. Reaching one refuses only what adds: writing an
    /// existing row, or changing a member's role, never fails on it.
    /// Current state rows (keys) of one session: a new key by `state.put`, a branch merge, a
    /// template, a claimed import. 1,000,000 rows of ~1 KB is a 1 GB session, whose checkpoint
    /// map alone is ~20 MB. `max-rows-per-session`.
    public var maxRowsPerSession: Int = 1_000_000
    /// Comments of one session (on all its turns): `comment`, a branch merge carrying them, a
    /// claimed import. `max-comments-per-session`.
    public var maxCommentsPerSession: Int = 1_000_000
    /// Members of one session: `member.add` of a new member, a template's members, a claimed
    /// import. Each member's connection gets every event, so a session's fan-out grows with it;
    /// 10,000 is far above any team and below what one broadcast can serve in time.
    /// `max-members-per-session`.
    public var maxMembersPerSession: Int = 10_000
    /// Index turn content for full-text search in the background (`SearchIndexWorker`). Appends
    /// never index; when false, turns are indexed only when a search needs them. Search results
    /// are the same either way.
    public var indexTurnsForSearch: Bool = true
    /// Upgrade an older database's schema at open. False (tools that must leave the file as it
    /// is, like tandem-admin on an existing database): an older schema is refused, `schema_too_old`.
    public var migrates: Bool = true
    /// Open (creating it if missing) the search file beside the database. False (tools that never
    /// search, like tandem-admin): the file is not touched, so a tool run by another user cannot
    /// leave one the server cannot open; searches then fail.
    public var opensSearchFile: Bool = true
    /// Refuse, at open, a database this process can only read (its mode or owner, a read-only
    /// mount): SQLite would open it for reading and fail every write. False for tools that may
    /// only read it (tandem-admin's listing commands).
    public var requiresWritable: Bool = false
    /// Open every connection read-only with SQLite's `immutable=1` (no locks, no `-shm`, no WAL
    /// recovery), and refuse every write job before it starts. Safe ONLY for a file on a read-only
    /// file system (`ReadOnlyFileSystem.holds`): nothing can be writing it then, so there is no
    /// writer to lock against and no WAL that could change under the reader; on a writable file
    /// SQLite would read pages another process is changing. No checkpointer runs, and deleted
    /// sessions' steps and stale imports wait for a writable open.
    public var immutable: Bool = false
    /// Whether opening finishes the branch merges a previous process left under way (`resumeMerges`).
    /// False for a tool opening the database beside a running server: the server's merger is
    /// stepping them, and finishing them here would leave its answer short.
    public var resumesMergesAtOpen: Bool = true
    /// The name connections open the database by: the path, or the `immutable` URI.
    var openName: String { immutable ? ReadOnlyFileSystem.immutableURI(path) : path }
    /// How often a separate connection checkpoints the WAL (PASSIVE), so commits never wait on
    /// a checkpoint; 0 leaves checkpoints to SQLite inside the writer's commits (its default).
    public var checkpointIntervalMilliseconds: Int = 100
    /// WAL frames (pages) from which the writer starts the WAL over right after a checkpointer pass
    /// that copied all of it (`WALRestart`); 0 leaves it to `Checkpointer.writerFallbackPages`.
    public var walRestartPages: Int = 8_192
    /// Most turns one indexing step (one transaction of the search file) indexes: bounds how long
    /// a search that waits for the index waits behind a step.
    public var searchIndexBatchTurns: Int = 2_000
    /// Turns are indexed once this many wait, or once the oldest has waited
    /// `searchIndexQuietMilliseconds`: a step over the few turns of one commit costs several
    /// times more per turn than a large one (each flushes an FTS5 segment). A search that finds
    /// unindexed turns never waits for this; it asks for a step at once.
    public var searchIndexMinStepTurns: Int = 1_000
    /// See `searchIndexMinStepTurns`: how far behind the index may fall under a trickle of posts.
    public var searchIndexQuietMilliseconds: Int = 100
    /// FTS5 `automerge`: how many index segments of one level may pile up before indexing merges
    /// them. FTS5's default, 4, rewrites each indexed turn more often; at 16 indexing costs about
    /// a third less CPU under sustained posting. More segments make a search consult more
    /// b-trees, so whenever the index is caught up and quiet it merges them back down in small
    /// steps (the `merge` command with FTS5's default `usermerge`, 4).
    public var searchIndexAutomerge: Int = 16
    /// Prefix lengths the turn index keeps an entry for (FTS5 `prefix`, each 1...8): a
    /// `prefix*` term of such a length is one index term; any other merges the postings of every
    /// word it starts, before the first hit. Each length costs indexing CPU and file size
    /// (docs/store.md has the figures). A search file whose index has other lengths (an earlier
    /// build's had none) is rebuilt in the background beside the one searches keep using.
    public var searchPrefixIndex: [Int] = [1, 2, 3]
    var searchIndexLayout: SearchIndexLayout {
        SearchIndexLayout(prefixLengths: searchPrefixIndex,
                          textForm: !searchIndexCJKWords ? .plain : !searchIndexClusterWords ? .spaced
                              : searchIndexMarkOrder ? .ordered : .clusters)
    }
    /// Whether the turn index makes each Han, kana and Hangul-syllable character a word
    /// (`SearchText`). Always true in the server; false makes the index of the builds before
    /// (CJK runs whole words), for the tests and benchmarks that compare with it. A search file
    /// whose index is of the other kind is rebuilt in the background, as for `searchPrefixIndex`.
    public var searchIndexCJKWords = true
    /// Whether the turn index also makes each Thai, Lao, Khmer and Myanmar cluster a word, with
    /// combining marks kept in their words (`SearchText`; only with `searchIndexCJKWords`).
    /// Always true in the server; false makes the index of the builds before (CJK characters only),
    /// for the tests and benchmarks that compare with it; rebuilt in the background like the others.
    public var searchIndexClusterWords = true
    /// Whether the turn index puts the marks of each Thai and Lao cluster in one order
    /// (`SearchMarkOrder`; only with `searchIndexClusterWords`). Always true in the server; false
    /// makes the index of the builds before (marks as typed), for the tests and benchmarks that
    /// compare with it; rebuilt in the background like the others.
    public var searchIndexMarkOrder = true
    /// How long no commit may arrive before those merge steps start: a saturated server pauses
    /// between commits for 100-200 ms, and merging then would take CPU the load needs.
    public var searchIndexTidyIdleMilliseconds: Int = 1_000
    /// Pages one merge step writes (one short transaction of the search file each).
    public var searchIndexTidyPages: Int = 200
    /// Nice value (0-19) of the indexing thread. At 0 it takes its fair share of a saturated core
    /// and the index keeps up with any sustained load. Above 0 (even 2) it gets almost nothing
    /// while the core is saturated: more turns/s during a burst (+12% on a saturated core), but
    /// the index, and so every search, falls behind for as long as the saturation lasts.
    public var searchIndexNice: Int32 = 0
    /// Most rows one step of a session delete removes (one transaction of the writer, between
    /// jobs; see `SessionReaper`): bounds how long a post waits behind a big session's delete.
    public var deleteStepRows: Int = 250
    /// Free bytes a file's free list must hold (and at least 5% of the file) before the store
    /// gives them back to the file system online (`DiskReclaim`; files converted to auto_vacuum
    /// INCREMENTAL by `Store.compact` only: new files are NONE). nil: never. Below 16 MiB the pages are reused by new rows soon enough.
    public var reclaimFreeBytes: Int? = 16 << 20
    /// Most pages one reclaim step gives back (one short transaction of the writer, between jobs):
    /// bounds how long a post waits behind it.
    public var reclaimStepPages: Int = 256
    /// Most records one step of an import, or of a branch's copy, inserts (one transaction; see
    /// `importSession`, `createBranch`). At 500 posts meanwhile kept a p99 of 8-10 ms while a
    /// 1,000,000-turn session was imported or forked; at 1,000, 11-14 ms.
    public var importStepRows: Int = 500
    /// After each step of a delete (taken by the writer while idle) or of an import, fork,
    /// template session or branch merge, pause this many times the step's duration before the
    /// next, when other writes wanted the writer meanwhile (`adaptiveStepPause`). At 1 such work
    /// takes at most about half the writer's time while others write, and a server sharing the
    /// database with `tandem-admin` gets the write lock at least half the time. The WAL is bounded
    /// apart from this: steps back to back once pushed it past the writer's own checkpoint bound
    /// (a 1,000,000-turn delete; single posts then waited 100 ms and more on their commits), so
    /// past half that bound every step waits a checkpoint interval, idle or not (`StepPause`).
    public var stepPause: Double = 1
    /// Whether the pause after a step (`stepPause`) is skipped when nothing else wanted the writer
    /// since the step began: no other job served or queued (writes parked behind a branch merge's
    /// hold do not count, they wait for the merge itself), no other process's write waited for.
    /// Such work then runs at the writer's full speed on an idle server (a 10^5-turn branch merge
    /// in about half the time) and keeps pausing as soon as anyone else writes. Off: every step
    /// pauses. `tandem-admin` turns it off while a tandemd serves the database: that server's
    /// writes are not jobs it can see, and only find the lock free in the pauses.
    public var adaptiveStepPause: Bool = true
    /// Milliseconds since the Unix epoch. Injectable so tests can move time.
    public var clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
    /// Called on the writer's thread when a write finds `clock` a second or more behind the
    /// last time stamp written (the host's clock was stepped back): held (writes keep the last
    /// stamp until the clock passes it) or, more than `maxClockHoldMilliseconds` behind, not
    /// (`WriteStamps`, `ClockStep`). Once per step.
    public var onClockBehind: (@Sendable (ClockStep) -> Void)?
    /// The most the time stamps are held ahead of a clock stepped back (ms; 1 h by default: NTP's
    /// corrections and a VM's resume are seconds to minutes, a clock wrong by more was most likely
    /// wrong before, not now). Past it the stamps follow the clock back. 0: never held.
    public var maxClockHoldMilliseconds: Int64 = 3_600_000

    /// Wraps each run of write completions on the completion thread (a run covers one or more
    /// committed batches). The server uses it to hand all the events and answers of a run to
    /// its network threads at once; it must call the closure it is given, exactly once.
    public var completionScope: (@Sendable (_ completions: () -> Void) -> Void)?

    public init(path: String) { self.path = path }

    var isMemory: Bool { path == ":memory:" }
}
