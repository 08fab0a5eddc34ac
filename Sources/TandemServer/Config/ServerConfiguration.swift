import TandemProtocol
import TandemTransport

/// Every setting of `tandemd`, with its default. One table (`ServerSetting.all`) names each
/// setting once for the config file, the environment and `--help`, so they cannot drift apart.
public struct ServerConfiguration: Sendable, Equatable {
    public enum Durability: String, Sendable { case normal, full }
    public enum LogLevel: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public var host = "127.0.0.1"
    public var port = 8765
    public var databasePath = "./tandem.db"
    public var tlsCertificatePath: String? = nil
    public var tlsKeyPath: String? = nil
    public var logLevel: LogLevel = .info
    public var logFormat: LogFormat = .text
    /// Event-loop threads; 0 means one per core.
    public var loops = 0
    public var durability: Durability = .normal
    /// Base URL printed in share links; derived from host and port when nil.
    public var publicURL: String? = nil
    /// Browser origins allowed to open WebSockets; empty allows any.
    /// Reverse proxies whose `X-Forwarded-For` names the client (see `ClientAddress`).
    public var trustedProxies: [String] = []
    /// Addresses or CIDR ranges allowed to read `/metrics` (the client as `trustedProxies`
    /// resolve it); `any` allows everyone.
    public var metricsFrom: [String] = ["127.0.0.0/8", "::1"]
    public var allowedOrigins: [String] = []

    public var maxConnections = 10_000
    public var maxConnectionsPerUser = 32
    /// Connections one client address (IPv4, or IPv6 /64) may hold at once; 0 = no limit
    /// (`max-connections-per-address`). A trusted proxy is not counted itself; the client its
    /// `X-Forwarded-For` names is.
    public var maxConnectionsPerAddress = 2_500
    /// Viewer connections one client address (IPv4, or IPv6 /64; behind a trusted proxy the client
    /// its `X-Forwarded-For` names) may hold on one share link at once, of the link's
    /// `maxConnectionsPerUser`; 0 = no limit of its own (`max-viewers-per-address`).
    public var maxViewersPerAddress = 8
    public var maxMessageBytes = 1 << 20
    public var maxTurnContentBytes = 256 << 10
    public var maxSessionsPerConnection = 64
    public var outboundQueueBytes = 4 << 20
    /// Encoded bytes one `session.join` with `since` may replay (see `Dispatcher.join`).
    public var maxReplayBytes = 32 << 20
    /// Largest `session.export` document answered over the wire (`too_large` beyond).
    public var maxExportBytes = 32 << 20
    /// Largest `session.import` document accepted over the wire (`max-import`; `too_large` beyond);
    /// `maxMessageBytes` bounds the request carrying it too.
    public var maxImportBytes = 1 << 20
    /// Most bytes of turns, rows or list items in one `history`, `state.get`, join or list answer (`max-page-bytes`).
    public var maxPageBytes = 8 << 20
    /// Quotas (see `StoreConfiguration.maxSessionsPerUser` and the next ones): what one user can
    /// make the server keep; `limit_exceeded` beyond.
    public var maxSessionsPerUser = 10_000
    public var maxShareLinksPerSession = 1_000
    public var maxCheckpointsPerSession = 1_000
    public var maxTemplatesPerUser = 1_000
    /// Per-session caps (see `StoreConfiguration.maxRowsPerSession` and the next two).
    public var maxRowsPerSession = 1_000_000
    public var maxCommentsPerSession = 1_000_000
    public var maxMembersPerSession = 10_000
    /// Merge steps (line diffs and the walk over the values) of one stale row write's merge, or of a
    /// branch merge's rows together (`StoreConfiguration.maxMergeDiffSteps`).
    public var maxMergeDiffSteps = 10_000_000
    /// Conflicting text regions one row's merge lists (`max-conflict-lines`;
    /// `StoreConfiguration.maxConflictLines`), then `lines_more`.
    public var maxConflictLines = 1_000
    /// Keys a `branch.merge` answer lists (`max-merge-listed`), merged rows (`rows`, then only
    /// `rows_total`) or conflicting rows (`conflicts`, then `conflicts_more`): one bound for both, as an
    /// answer lists one or the other (`StoreConfiguration.maxMergeRowsReported` and
    /// `maxMergeConflictsReported`).
    public var maxMergeListed = 1_000
    /// Turns a share link's browser viewer keeps on its page (`max-viewer-turns`): older ones leave
    /// it and come back with "Show earlier turns".
    public var maxViewerTurns = 1_000
    /// Prefix lengths the turn index keeps (`StoreConfiguration.searchPrefixIndex`); empty: none.
    public var searchPrefixIndex: [String] = ["1", "2", "3"]
    /// Records one step of a long write (import, fork, template session) writes in one transaction
    /// (`StoreConfiguration.importStepRows`).
    public var writeStepRecords = 500
    /// Work-pool requests that may wait at once for a branch merge holding their session
    /// (`StoreConfiguration.maxBlockedOnMerges`, at most half the work pool's threads).
    public var maxMergeWaits = 2
    /// MiB of free pages a database file gathers (and 5% of it) before tandemd gives them back to
    /// the disk, online (`StoreConfiguration.reclaimFreeBytes`), on files `tandem-admin compact`
    /// converted only; 0: never (and no notice at start).
    public var reclaimFreeMiB = 16
    /// Index entries one search page examines (`StoreConfiguration.maxSearchScan`).
    public var maxSearchScan = 20_000
    /// `session.export` requests served at once; more get `unavailable`.
    public var exportConcurrency = 2
    /// `session.search` requests served at once, server-wide; more get `unavailable`.
    public var searchConcurrency = 2
    /// `turn.post` bytes one user may have received and not yet answered, all connections together
    /// (`PostShares`); past it a post is `rate_limited` at once. 0: no limit.
    public var maxPostBytesPerUser = 4 << 20
    public var requestsPerSecond = 200.0
    public var requestBurst = 400.0
    public var handshakeTimeoutSeconds = 10.0
    /// Seconds the viewer page and a handshake's credential lookup wait for a free database reader
    /// before answering 503 busy (`http-read-wait`); they wait on the work pool, never on an event
    /// loop. `/healthz` and `/metrics` read on a connection of their own and wait this long only for
    /// another health read under way.
    public var httpReadWaitSeconds = 2.0
    /// At max-connections, a connection silent this long before its request gives its place (`stale-handshake`).
    public var staleHandshakeSeconds = 2.0
    public var idleTimeoutSeconds = 120.0
    public var pingIntervalSeconds = 30.0
    /// See `TransportConfiguration.writeCoalescingWindow`.
    public var writeCoalescingMilliseconds = 1.0
    public var authFailuresPerMinute = 20.0
    /// Seconds a closing connection (a cut-off slow consumer too) has to take its close frame before
    /// the socket is dropped (`close-timeout`). Tests under sanitizers stretch it (instrumented code is slower).
    public var closeTimeoutSeconds = 5.0
    public var cacheBytes = 64 << 20
    /// Seconds a database statement waits for a lock another process holds (SQLite's busy timeout).
    public var busyTimeoutSeconds = 5.0
    /// Seconds the time stamps are held ahead of a clock stepped back (`clock-hold`; docs/store.md,
    /// "The writer's clock").
    public var clockHoldSeconds = 3_600.0
    /// Not a setting: seconds between returns of freed memory to the system (`FreedMemoryReleaser`); 0 = never.
    public var memoryTrimIntervalSeconds = 30.0
    /// Not a setting: how joins share a session's fan-out lock with its publishes.
    var joinTuning = JoinTuning()

    public init() {}

    /// The URL members and share links use to reach this server.
    public var effectivePublicURL: String {
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let scheme = tlsCertificatePath == nil ? "http" : "https"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }
}

extension ServerConfiguration {
    /// The origin of `public-url`: the viewer page's, behind a proxy that does not pass the Host
    /// on. Always an allowed origin.
    public var publicOrigin: WebOrigin? { publicURL.flatMap { WebOrigin(url: $0) } }

    /// The origins `allowed-origins` names (each one parsed when the setting was read), plus public-url's;
    /// nil when the setting is empty (any origin may connect).
    public var upgradeOrigins: [WebOrigin]? {
        guard !allowedOrigins.isEmpty else { return nil }
        return allowedOrigins.compactMap { WebOrigin(setting: $0) } + (publicOrigin.map { [$0] } ?? [])
    }

    /// The wire limits these settings give; with the default settings, `ProtocolLimits.default`
    /// (what docs/protocol.md documents).
    public var protocolLimits: ProtocolLimits {
        var limits = ProtocolLimits.default
        limits.maxMessageBytes = maxMessageBytes
        limits.maxTurnContentBytes = maxTurnContentBytes
        limits.requestBurst = Int(requestBurst)
        limits.requestsPerSecond = Int(requestsPerSecond)
        limits.connectionsPerUser = maxConnectionsPerUser
        limits.sessionsPerConnection = maxSessionsPerConnection
        limits.outboundQueueBytes = outboundQueueBytes
        limits.idleTimeoutSeconds = Int(idleTimeoutSeconds)
        limits.maxPageBytes = maxPageBytes
        limits.maxImportBytes = maxImportBytes
        return limits
    }
}
