import Synchronization
import TandemProtocol

/// Every metric `tandemd` exports on `/metrics`.
public final class ServerMetrics: Sendable {
    public let connections = Gauge("tandem_connections", help: "Open WebSocket connections.")
    public let connectionsRefused = Counter("tandem_connections_refused_total",
                                            help: "Connections refused because max-connections were open (503 to an upgrade, or closed right after accept).")
    public let connectionsRefusedPerAddress = Counter("tandem_connections_refused_per_address_total",
                                                      help: "Connections refused because their client address held max-connections-per-address (429, or closed right after accept past 16 such at once).")
    public let connectionsLimit = Gauge("tandem_connections_limit",
                                        help: "The max-connections setting: connections past it are refused (tandem_connections_refused_total).")
    public let liveSessions = Gauge("tandem_sessions_live", help: "Sessions with at least one joined connection.")
    public let turns = Counter("tandem_turns_total", help: "Turns committed and acknowledged.")
    public let turnsPerSecond = Gauge("tandem_turns_per_second", help: "Turns committed during the last full second.")
    public let deliveries = Counter("tandem_deliveries_total", help: "Event frames queued to joined connections.")
    public let queueDrops = Counter("tandem_slow_consumer_closes_total", help: "Connections cut off because their outbound queue overflowed (counted at the cut).")
    public let joinLockedReads = Counter("tandem_join_locked_reads_total",
                                         help: "Store reads joins made holding their session's fan-out lock (the session's live delivery waits meanwhile): one per join, more when writes outran its catch-ups.")
    public let merges = Counter("tandem_state_merges_total", help: "State writes applied by three-way merge.")
    public let conflicts = Counter("tandem_state_conflicts_total", help: "State writes refused as conflicts.")
    public let requests = Counter("tandem_requests_total", help: "Requests received.")
    public let errors = Counter("tandem_request_errors_total", help: "Requests answered with an error.")
    public let rateLimited = Counter("tandem_rate_limited_total", help: "Requests refused by the per-connection rate limit.")
    public let authFailures = Counter("tandem_auth_failures_total", help: "Handshakes refused for a bad or missing credential.")
    public let storeCommits = Counter("tandem_store_commits_total", help: "Write transactions (group commits) of the store writer; write jobs / commits is the mean group size.")
    public let storeJobs = Counter("tandem_store_write_jobs_total", help: "Write jobs (turn posts, state writes, ...) committed by the store writer.")
    public let searchIndexBacklog = Gauge("tandem_search_index_backlog_turns", help: "Committed turns not yet in the full-text index (searches wait for them).")
    public let deletesPending = Gauge("tandem_store_deletes_pending", help: "Deleted sessions whose rows the store writer is still removing, a step at a time between writes.")
    public let storeReadable = Gauge("tandem_store_readable",
                                     help: "1 if the health probe's read of the database succeeded at this scrape, 0 if it failed (file gone, not a database); /healthz answers 503 at 0.")
    public let storageRefusingWrites = Gauge("tandem_store_refusing_writes",
                                             help: "1 from a write storage refused (disk full, read-only, I/O error) until a write commits; /healthz answers 503 meanwhile.")
    public let storeFreeBytes = Gauge("tandem_store_free_bytes", help: "Bytes on the database file's free list (freed by deletes, reused by new writes; given back to the disk online past reclaim-free-mib only on a file tandem-admin compact converted).")
    public let searchFreeBytes = Gauge("tandem_search_free_bytes", help: "Bytes on the search file's free list (given back to the disk online while indexing is idle).")
    public let storeFileBytes = Gauge("tandem_store_file_bytes", help: "Bytes of the database file (its pages), as last read: with tandem_store_free_bytes, the share of it that is free.")
    public let searchFileBytes = Gauge("tandem_search_file_bytes", help: "Bytes of the search file (its pages), as last read: with tandem_search_free_bytes, the share of it that is free.")
    public let storeReclaimsOnline = Gauge("tandem_store_reclaims_online",
                                           help: "1 if the database file gives free pages back online (auto_vacuum INCREMENTAL, after tandem-admin compact), 0 if not (NONE, the default).")
    public let searchReclaimsOnline = Gauge("tandem_search_reclaims_online",
                                            help: "1 if the search file gives free pages back online (auto_vacuum INCREMENTAL, after tandem-admin compact), 0 if not.")
    public let walBytes = Gauge("tandem_store_wal_bytes", help: "Bytes of the database's WAL file (cut back at checkpoints).")
    public let fileSystemAvailableBytes = Gauge("tandem_store_filesystem_avail_bytes",
                                                help: "Bytes tandemd may still write on the file system holding the database (statvfs f_bavail; root's reserve excluded), sampled once a second.")
    public let fileSystemSizeBytes = Gauge("tandem_store_filesystem_size_bytes", help: "Size in bytes of the file system holding the database, sampled once a second.")
    public let writeRefusals = Counter("tandem_store_write_refusals_total",
                                       help: "Writes storage refused (disk full, read-only, I/O error); a refused group commit counts once.")
    public let reclaimedBytes = Counter("tandem_store_reclaimed_bytes_total", help: "Bytes of free pages given back to the file system online (database and search files).")
    public let memoryAllocated = Gauge("tandem_memory_allocated_bytes", help: "Bytes of memory the server holds (the allocator's count).")
    public let memoryResident = Gauge("tandem_memory_resident_bytes", help: "Bytes of physical memory the allocator maps: held, kept free for reuse, and its own metadata.")
    public let tlsCertificateExpiry = Gauge("tandem_tls_certificate_expiry_timestamp_seconds",
                                            help: "When the TLS certificate new connections get expires (Unix time); SIGHUP reloads it. Absent without TLS.")
    public let postLatency = Histogram("tandem_turn_commit_seconds", help: "From receiving turn.post to its durable acknowledgement.")

    /// Read at every scrape, before rendering (see `sampleAtScrape`).
    private let scrapeSamplers = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    /// Runs `sample` at every `render`, so a gauge it sets is exact when scraped instead of as old
    /// as a periodic sampler's last tick. For reads that are cheap (one indexed count): it runs on
    /// the thread that renders (a work-pool thread, for `/metrics`; never an event loop).
    public func sampleAtScrape(_ sample: @escaping @Sendable () -> Void) {
        scrapeSamplers.withLock { $0.append(sample) }
    }

    public func render() -> String {
        for sample in scrapeSamplers.withLock({ $0 }) { sample() }
        if let memory = Allocator.statistics() {
            memoryAllocated.set(memory.allocated)
            memoryResident.set(memory.resident)
        }
        return PrometheusText.render(
            info: ("tandem_build_info", "The running release and wire protocol (always 1).",
                   [("version", Release.version), ("protocol", ProtocolVersion.subprotocol)]),
            counters: [connectionsRefused, connectionsRefusedPerAddress, turns, deliveries, queueDrops, joinLockedReads, merges, conflicts, requests, errors, rateLimited, authFailures,
                       storeCommits, storeJobs, writeRefusals, reclaimedBytes],
            gauges: [connections, connectionsLimit, liveSessions, turnsPerSecond, searchIndexBacklog, deletesPending, storeReadable, storageRefusingWrites,
                     storeFreeBytes, searchFreeBytes, storeFileBytes, searchFileBytes, storeReclaimsOnline, searchReclaimsOnline, walBytes,
                     memoryAllocated, memoryResident]
                // Absent for an in-memory database (no file system: an alert would read 0 bytes free).
                + (fileSystemSizeBytes.value > 0 ? [fileSystemAvailableBytes, fileSystemSizeBytes] : [])
                + (tlsCertificateExpiry.value > 0 ? [tlsCertificateExpiry] : []),
            histograms: [postLatency])
    }
}
