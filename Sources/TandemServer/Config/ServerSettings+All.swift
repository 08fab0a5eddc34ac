import TandemTransport

extension ServerSetting {
    /// Every setting `tandemd` accepts, in the order `--help` and the docs list them.
    public static let all: [ServerSetting] = [
        .string("host", "Address to listen on. 127.0.0.1 keeps the server private to this machine; 0.0.0.0 or :: opens it.", \.host),
        .integer("port", "TCP port to listen on.", 0...65535, \.port),
        .string("db", "SQLite database file (created and migrated on first start).", \.databasePath),
        .optionalString("tls-cert", "PEM certificate chain; with --tls-key, serves wss:// and https://.", \.tlsCertificatePath),
        .optionalString("tls-key", "PEM private key for --tls-cert.", \.tlsKeyPath),
        .choice("log-level", "Log level", ServerConfiguration.LogLevel.allCases, \.logLevel),
        .choice("log-format", "Log lines on standard error: text (for people) or json (one object per line with time, level, logger, message and the metadata as fields, for log collectors)", ServerConfiguration.LogFormat.allCases, \.logFormat),
        .integer("loops", "Event-loop threads; 0 means one per core.", 0...256, \.loops),
        .choice("durability", "SQLite synchronous mode: normal survives a crash of tandemd (kill -9); full also survives power loss, at a cost per commit", [ServerConfiguration.Durability.normal, .full], \.durability),
        ServerSetting(key: "public-url", help: "Base URL clients reach the server at, e.g. https://tandem.example.com: share.create answers carry it in the link, and the first start prints it.") { config, value throws(SettingValueError) in
            guard !value.isEmpty else { config.publicURL = nil; return }
            // Links are built by appending /s/SECRET: a query or fragment would swallow it.
            guard WebOrigin(url: value) != nil, !value.contains(where: { $0.isWhitespace }) else {
                throw SettingValueError(message: "'\(value)' is not a base URL: give http(s)://HOST[:PORT][/PATH] without a query or fragment, e.g. https://tandem.example.com")
            }
            config.publicURL = value
        },
        .list("allowed-origins", "Comma-separated browser origins (http(s)://HOST[:PORT]) allowed to connect; empty allows any. Pages this server serves (same origin as the Host they connect to, or public-url's) are always allowed.", \.allowedOrigins) { entry in
            WebOrigin(setting: entry) == nil ? "'\(entry)' is not an origin: give http(s)://HOST[:PORT], e.g. https://app.example.com" : nil
        },
        .list("trusted-proxies", "Comma-separated IP addresses or CIDR ranges (10.0.0.0/8) of reverse proxies in front of tandemd; for their requests the client is the right-most X-Forwarded-For address that is not a trusted proxy (per-address limits and logs). Empty: the TCP peer is the client.", \.trustedProxies) { entry in
            IPRange(entry) == nil ? "'\(entry)' is not an IP address or CIDR range (host names are not resolved)" : nil
        },
        .list("metrics-from", "Comma-separated IP addresses or CIDR ranges allowed to read /metrics (the client as trusted-proxies resolve it; others get 403), or any. Default: this machine only.", \.metricsFrom) { entry in
            entry != "any" && IPRange(entry) == nil ? "'\(entry)' is not an IP address, a CIDR range or any" : nil
        },
        .integer("max-connections", "WebSocket connections the server holds at once; beyond it an upgrade gets HTTP 503 (health checks and metrics are still answered, on up to 16 more connections; past those, new connections are closed right after accept).", 1...1_000_000, \.maxConnections),
        .integer("max-connections-per-address", "Connections one client address (an IPv4 address, or an IPv6 /64) may hold at once, answered or not; beyond it a request gets HTTP 429 with Retry-After before any upgrade work (past 16 such at once per address, new ones are closed right after accept). 0: no limit. The default leaves room for an office of several hundred people behind one NAT, each with a few tabs, while one address cannot take every place of max-connections by reopening silent sockets faster than stale-handshake closes them. An address in trusted-proxies is not counted itself (every client comes through it); the client its X-Forwarded-For names is, from its request until its connection closes.", 0...1_000_000, \.maxConnectionsPerAddress),
        .integer("max-connections-per-user", "Connections one user (or share link) may hold at once.", 1...100_000, \.maxConnectionsPerUser),
        .integer("max-viewers-per-address", "Viewer connections one client address (an IPv4 address, or an IPv6 /64; behind trusted-proxies the client its X-Forwarded-For names) may hold on one share link at once, of the link's max-connections-per-user; beyond it the handshake gets HTTP 429 with Retry-After. So one holder of a link cannot take every viewer place on it. 0: no limit of its own. The default leaves room for a meeting room of viewers behind one NAT; a class watching one link from behind one NAT needs it raised (and max-connections-per-user with it).", 0...100_000, \.maxViewersPerAddress),
        .bytes("max-message", "Largest WebSocket message accepted (close 1009 beyond).", 1024...(64 << 20), \.maxMessageBytes),
        .bytes("max-turn", "Largest turn content accepted (error too_large beyond).", 1...(64 << 20), \.maxTurnContentBytes),
        .integer("max-sessions-per-connection", "Sessions one connection may join at once.", 1...10_000, \.maxSessionsPerConnection),
        .bytes("outbound-queue", "Bytes queued for one slow client before it is cut off (close 4408); it can reconnect and resume with since.", 4096...(1 << 30), \.outboundQueueBytes),
        .bytes("max-replay", "Largest backlog (encoded bytes) one join with since replays; beyond it, or beyond 10,000 events, the answer is resync_required and the client rejoins without since and pages history.", (64 << 10)...(4 << 30), \.maxReplayBytes),
        .bytes("max-page-bytes", "Most bytes of turns, rows or list items (comments, members, contributions, checkpoints, share links, templates) one answer holds (one always goes); the rest comes page by page (more, state_more). Bounds the memory one read costs.", (64 << 10)...(1 << 30), \.maxPageBytes),
        .bytes("max-export", "Largest session export answered over the wire (error too_large beyond; tandem-admin sessions export writes a session of any size to a file). Keep it under what clients accept in one message (the tandem client: 64 MiB).", (64 << 10)...(1 << 30), \.maxExportBytes),
        .integer("max-sessions-per-user", "Sessions one user may own (a branch counts for its source's owner; sessions being deleted do not); beyond it session.create, branch.create, template.create_session and session.import get limit_exceeded. tandem-admin is not held to it.", 1...100_000_000, \.maxSessionsPerUser),
        .integer("max-share-links-per-session", "Working (unrevoked, unexpired) share links of one session; beyond it share.create gets limit_exceeded.", 1...10_000_000, \.maxShareLinksPerSession),
        .integer("max-checkpoints-per-session", "Checkpoints of one session; beyond it checkpoint.save, and session.import of a document holding more, get limit_exceeded. tandem-admin is not held to it.", 1...10_000_000, \.maxCheckpointsPerSession),
        .integer("max-templates-per-user", "Templates one user may save; beyond it template.save gets limit_exceeded.", 1...10_000_000, \.maxTemplatesPerUser),
        .integer("max-rows-per-session", "State rows (keys) of one session; beyond it a new key from state.put, branch.merge, template.create_session or session.import gets limit_exceeded (writing an existing key never does). tandem-admin is not held to it.", 1...1_000_000_000, \.maxRowsPerSession),
        .integer("max-comments-per-session", "Comments of one session; beyond it comment, a branch.merge carrying comments and session.import get limit_exceeded. tandem-admin is not held to it.", 1...1_000_000_000, \.maxCommentsPerSession),
        .integer("max-members-per-session", "Members of one session; beyond it member.add of a new member (not a role change) and template.create_session get limit_exceeded. tandem-admin is not held to it.", 1...10_000_000, \.maxMembersPerSession),
        .integer("max-merge-diff-steps", "Merge steps (a few ns each) one three-way merge of a stale state.put may take, and one branch.merge over all its rows together: each line-diff search step of a text merge is one, and the walk over the values counts too (each object member merged key by key 500, each text merged 2000, each value compared 2, an object member 102); beyond it the write gets limit_exceeded and nothing is written (long texts that differ throughout make the diff quadratic, a row of many values changed on both sides is long to walk, and it runs on the store's single writer). 10000000 is about 30 ms.", 1_000...10_000_000_000, \.maxMergeDiffSteps),
        .integer("write-step-records", "Records (turns, rows, comments) one step of a long write writes in one transaction: a session import, a branch fork's copy, a session made from a template, a branch merge of more than this many rows and turns (which holds the parent and the branch meanwhile: their writes wait). Other sessions' writes commit between the steps, so this bounds how long such work holds the store's single writer (500: ~10-30 ms a step); smaller steps make the long write itself slower.", 1...100_000, \.writeStepRecords),
        .integer("max-merge-waits", "Requests (any but turn.post, which never holds a thread) that may wait at once, each on one of the server's work threads, for a branch merge in steps holding their session; more get unavailable at once and write nothing (retry when the merge ends). Such a wait lasts the whole merge (10^5 merged turns, release build: ~0.5-0.8 s on an otherwise idle server, ~1-1.5 s while other sessions post: benchmarks.md), and the work threads (4 per core, at least 4) serve every session's requests: at most half of them are let wait, whatever this says.", 0...1_024, \.maxMergeWaits),
        .integer("export-concurrency", "Session exports served at once (each holds a work thread and a database reader while it reads); more get unavailable with retry_after_ms.", 1...64, \.exportConcurrency),
        .integer("max-search-scan", "Full-text index entries one session.search page examines (titles and turns each, a few µs apiece); a page that reaches it ends early with fewer hits, maybe none, and a next_cursor to go on from. Membership is checked per match, so a user with few sessions walked every match on the server.", 100...10_000_000, \.maxSearchScan),
        .list("search-prefix-index", "Comma-separated prefix lengths (1-8) the full-text index of turns keeps an entry for each word under, or none: a prefix* term of such a length reads one index entry instead of merging every word it starts (with 1,2,3 a one-letter prefix over 500,000 turns answers in under 1 ms, against 0.1-0.3 s without); each length costs index size and indexing CPU (1,2,3: the index 2.7x as big, ~3.5 µs more per turn). A change rebuilds the index in the background; searches answer from the old one meanwhile.", \.searchPrefixIndex) { entry in
            entry == "none" || Int(entry).map({ (1...8).contains($0) }) == true ? nil : "'\(entry)' is not a prefix length 1-8 (or none)"
        },
        .integer("search-concurrency", "session.search requests served at once, server-wide (a broad search walks the whole full-text index, whoever asks: seconds on a big server); more get unavailable with retry_after_ms. One user has one search at a time (rate_limited beyond).", 1...64, \.searchConcurrency),
        .number("rate", "Requests per second per connection (token bucket refill); beyond it requests get rate_limited.", 0.1...1_000_000, \.requestsPerSecond),
        .number("burst", "Token bucket size: requests a connection may send at once.", 1...1_000_000, \.requestBurst),
        .number("handshake-timeout", "Seconds to complete the TLS and HTTP upgrade handshakes.", 0.1...600, \.handshakeTimeoutSeconds),
        .number("http-read-wait", "Seconds a share link's viewer page and a WebSocket handshake's credential lookup (a share secret, a token's first use) wait for a free database reader (exports and searches can hold them all) before they answer 503 busy; they are answered on the work pool, so no event loop waits. Past handshake-timeout the transport answers 503 first. /healthz and /metrics read on a connection of their own (never held by exports) and wait this long only for another health read under way (a stalled disk: 503 busy; /metrics keeps its last pending-deletes count).", 0.01...600, \.httpReadWaitSeconds),
        .number("stale-handshake", "At max-connections, a new connection has every connection that has sent no request (no TLS handshake, no HTTP request) for this many seconds closed, on every event loop, so sockets that say nothing cannot keep members out.", 0.1...600, \.staleHandshakeSeconds),
        .number("idle-timeout", "Seconds without any frame from a client before it is closed; must be longer than ping-interval.", 1...86_400, \.idleTimeoutSeconds),
        .number("ping-interval", "Seconds between server pings to idle clients; must be shorter than idle-timeout.", 1...3_600, \.pingIntervalSeconds),
        .number("write-coalescing-ms", "Milliseconds a connection gathers frames after a write before writing again (0 = write every loop turn): fewer, larger writes when events stream in, at most this much added delay.", 0...100, \.writeCoalescingMilliseconds),
        .bytes("cache-size", "SQLite page cache per database connection (the writer and 4 readers: up to 5x this in memory).", (256 << 10)...(16 << 30), \.cacheBytes),
        .number("busy-timeout", "Seconds a commit waits for the database while another process (a tandem-admin command) holds its write lock; beyond it the request gets unavailable and nothing of it is written.", 0.01...600, \.busyTimeoutSeconds),
        .number("auth-failures-per-minute", "Failed authentications allowed per client address per minute; beyond it HTTP 429.", 1...100_000, \.authFailuresPerMinute),
    ]

    public static func named(_ key: String) -> ServerSetting? { all.first { $0.key == key } }
}
