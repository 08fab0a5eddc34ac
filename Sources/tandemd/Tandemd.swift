import ArgumentParser
import Foundation
import Logging
import TandemServer
import TandemTransport
import TandemProtocol

/// `tandemd`: the Tandem server. With no flags it serves on 127.0.0.1:8765 with ./tandem.db.
@main
struct Tandemd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandemd",
        abstract: "Tandem: a server for collaborative sessions over WebSockets.",
        discussion: """
            Settings come from, in increasing precedence: defaults, the file given with --config \
            (lines of `key = value`, keys as the flags below without dashes), TANDEM_* environment \
            variables (TANDEM_PORT, TANDEM_DB, TANDEM_MAX_MESSAGE, ...), and these flags.

            On first start with an empty database an owner account is created and its token is \
            written to a 0600 file next to the database (DB.owner-token), and printed once when \
            standard output is a terminal (not into journald or docker logs).

            Signals: SIGTERM or SIGINT stop it gracefully; SIGHUP reloads the TLS certificate and key.
            """,
        version: Release.version)

    @Option(help: "A config file of `key = value` lines.") var config: String?
    @Flag(name: .customLong("print-config"), help: "Print a commented config file with every setting's default, then exit.")
    var printConfig = false
    @Option(help: .init(Self.help("host"))) var host: String?
    @Option(help: .init(Self.help("port"))) var port: String?
    @Option(help: .init(Self.help("db"))) var db: String?
    @Option(name: .customLong("tls-cert"), help: .init(Self.help("tls-cert"))) var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: .init(Self.help("tls-key"))) var tlsKey: String?
    @Option(name: .customLong("log-level"), help: .init(Self.help("log-level"))) var logLevel: String?
    @Option(name: .customLong("log-format"), help: .init(Self.help("log-format"))) var logFormat: String?
    @Option(help: .init(Self.help("loops"))) var loops: String?
    @Option(help: .init(Self.help("durability"))) var durability: String?
    @Option(name: .customLong("public-url"), help: .init(Self.help("public-url"))) var publicURL: String?
    @Option(name: .customLong("allowed-origins"), help: .init(Self.help("allowed-origins"))) var allowedOrigins: String?
    @Option(name: .customLong("trusted-proxies"), help: .init(Self.help("trusted-proxies"))) var trustedProxies: String?
    @Option(name: .customLong("metrics-from"), help: .init(Self.help("metrics-from"))) var metricsFrom: String?
    @Option(name: .customLong("max-connections"), help: .init(Self.help("max-connections"))) var maxConnections: String?
    @Option(name: .customLong("max-connections-per-user"), help: .init(Self.help("max-connections-per-user"))) var maxConnectionsPerUser: String?
    @Option(name: .customLong("max-connections-per-address"), help: .init(Self.help("max-connections-per-address"))) var maxConnectionsPerAddress: String?
    @Option(name: .customLong("max-viewers-per-address"), help: .init(Self.help("max-viewers-per-address"))) var maxViewersPerAddress: String?
    @Option(name: .customLong("max-message"), help: .init(Self.help("max-message"))) var maxMessage: String?
    @Option(name: .customLong("max-turn"), help: .init(Self.help("max-turn"))) var maxTurn: String?
    @Option(name: .customLong("max-sessions-per-connection"), help: .init(Self.help("max-sessions-per-connection"))) var maxSessionsPerConnection: String?
    @Option(name: .customLong("outbound-queue"), help: .init(Self.help("outbound-queue"))) var outboundQueue: String?
    @Option(name: .customLong("max-replay"), help: .init(Self.help("max-replay"))) var maxReplay: String?
    @Option(name: .customLong("max-export"), help: .init(Self.help("max-export"))) var maxExport: String?
    @Option(name: .customLong("max-import"), help: .init(Self.help("max-import"))) var maxImport: String?
    @Option(name: .customLong("export-concurrency"), help: .init(Self.help("export-concurrency"))) var exportConcurrency: String?
    @Option(name: .customLong("search-concurrency"), help: .init(Self.help("search-concurrency"))) var searchConcurrency: String?
    @Option(name: .customLong("max-post-bytes-per-user"), help: .init(Self.help("max-post-bytes-per-user"))) var maxPostBytesPerUser: String?
    @Option(help: .init(Self.help("rate"))) var rate: String?
    @Option(help: .init(Self.help("burst"))) var burst: String?
    @Option(name: .customLong("handshake-timeout"), help: .init(Self.help("handshake-timeout"))) var handshakeTimeout: String?
    @Option(name: .customLong("http-read-wait"), help: .init(Self.help("http-read-wait"))) var httpReadWait: String?
    @Option(name: .customLong("idle-timeout"), help: .init(Self.help("idle-timeout"))) var idleTimeout: String?
    @Option(name: .customLong("ping-interval"), help: .init(Self.help("ping-interval"))) var pingInterval: String?
    @Option(name: .customLong("close-timeout"), help: .init(Self.help("close-timeout"))) var closeTimeout: String?
    @Option(name: .customLong("write-coalescing-ms"), help: .init(Self.help("write-coalescing-ms"))) var writeCoalescingMs: String?
    @Option(name: .customLong("auth-failures-per-minute"), help: .init(Self.help("auth-failures-per-minute"))) var authFailuresPerMinute: String?
    @Option(name: .customLong("cache-size"), help: .init(Self.help("cache-size"))) var cacheSize: String?
    @Option(name: .customLong("busy-timeout"), help: .init(Self.help("busy-timeout"))) var busyTimeout: String?
    @Option(name: .customLong("clock-hold"), help: .init(Self.help("clock-hold"))) var clockHold: String?
    @Option(name: .customLong("stale-handshake"), help: .init(Self.help("stale-handshake"))) var staleHandshake: String?
    @Option(name: .customLong("max-page-bytes"), help: .init(Self.help("max-page-bytes"))) var maxPageBytes: String?
    @Option(name: .customLong("max-sessions-per-user"), help: .init(Self.help("max-sessions-per-user"))) var maxSessionsPerUser: String?
    @Option(name: .customLong("max-share-links-per-session"), help: .init(Self.help("max-share-links-per-session"))) var maxShareLinksPerSession: String?
    @Option(name: .customLong("max-checkpoints-per-session"), help: .init(Self.help("max-checkpoints-per-session"))) var maxCheckpointsPerSession: String?
    @Option(name: .customLong("max-templates-per-user"), help: .init(Self.help("max-templates-per-user"))) var maxTemplatesPerUser: String?
    @Option(name: .customLong("max-rows-per-session"), help: .init(Self.help("max-rows-per-session"))) var maxRowsPerSession: String?
    @Option(name: .customLong("max-comments-per-session"), help: .init(Self.help("max-comments-per-session"))) var maxCommentsPerSession: String?
    @Option(name: .customLong("max-members-per-session"), help: .init(Self.help("max-members-per-session"))) var maxMembersPerSession: String?
    @Option(name: .customLong("max-merge-diff-steps"), help: .init(Self.help("max-merge-diff-steps"))) var maxMergeDiffSteps: String?
    @Option(name: .customLong("max-conflict-lines"), help: .init(Self.help("max-conflict-lines"))) var maxConflictLines: String?
    @Option(name: .customLong("max-merge-listed"), help: .init(Self.help("max-merge-listed"))) var maxMergeListed: String?
    @Option(name: .customLong("max-viewer-turns"), help: .init(Self.help("max-viewer-turns"))) var maxViewerTurns: String?
    @Option(name: .customLong("max-search-scan"), help: .init(Self.help("max-search-scan"))) var maxSearchScan: String?
    @Option(name: .customLong("write-step-records"), help: .init(Self.help("write-step-records"))) var writeStepRecords: String?
    @Option(name: .customLong("max-merge-waits"), help: .init(Self.help("max-merge-waits"))) var maxMergeWaits: String?
    @Option(name: .customLong("reclaim-free-mib"), help: .init(Self.help("reclaim-free-mib"))) var reclaimFreeMiB: String?
    @Option(name: .customLong("search-prefix-index"), help: .init(Self.help("search-prefix-index"))) var searchPrefixIndex: String?

    static func help(_ key: String) -> String {
        guard let setting = ServerSetting.named(key) else { return "" }
        return "\(setting.help) [env: \(setting.environmentVariable)]"
    }

    /// The flags given, by setting key.
    private var flagValues: [(String, String?)] {
        [("host", host), ("port", port), ("db", db), ("tls-cert", tlsCert), ("tls-key", tlsKey), ("log-level", logLevel), ("log-format", logFormat),
         ("loops", loops), ("durability", durability), ("public-url", publicURL), ("allowed-origins", allowedOrigins), ("trusted-proxies", trustedProxies), ("metrics-from", metricsFrom),
         ("max-connections", maxConnections), ("max-connections-per-user", maxConnectionsPerUser),
         ("max-connections-per-address", maxConnectionsPerAddress), ("max-viewers-per-address", maxViewersPerAddress),
         ("max-message", maxMessage), ("max-turn", maxTurn), ("max-sessions-per-connection", maxSessionsPerConnection),
         ("outbound-queue", outboundQueue), ("max-replay", maxReplay), ("max-export", maxExport), ("max-import", maxImport), ("export-concurrency", exportConcurrency), ("search-concurrency", searchConcurrency), ("max-post-bytes-per-user", maxPostBytesPerUser), ("rate", rate), ("burst", burst), ("handshake-timeout", handshakeTimeout),
         ("http-read-wait", httpReadWait),
         ("idle-timeout", idleTimeout), ("ping-interval", pingInterval), ("close-timeout", closeTimeout), ("write-coalescing-ms", writeCoalescingMs),
         ("auth-failures-per-minute", authFailuresPerMinute), ("cache-size", cacheSize), ("busy-timeout", busyTimeout), ("clock-hold", clockHold),
         ("stale-handshake", staleHandshake), ("max-page-bytes", maxPageBytes), ("max-sessions-per-user", maxSessionsPerUser),
         ("max-share-links-per-session", maxShareLinksPerSession), ("max-checkpoints-per-session", maxCheckpointsPerSession),
         ("max-templates-per-user", maxTemplatesPerUser), ("max-rows-per-session", maxRowsPerSession),
         ("max-comments-per-session", maxCommentsPerSession), ("max-members-per-session", maxMembersPerSession),
         ("max-merge-diff-steps", maxMergeDiffSteps), ("max-conflict-lines", maxConflictLines), ("max-merge-listed", maxMergeListed),
         ("max-viewer-turns", maxViewerTurns),
         ("max-search-scan", maxSearchScan),
         ("write-step-records", writeStepRecords), ("max-merge-waits", maxMergeWaits), ("reclaim-free-mib", reclaimFreeMiB),
         ("search-prefix-index", searchPrefixIndex)]
    }

    func run() throws {
        if printConfig {
            print(ConfigFileTemplate.render(), terminator: "")
            return
        }
        ShutdownSignals.block() // before any thread starts: only the wait below takes SIGINT/SIGTERM
        // The database, its WAL and search files hold every session's content: readable by this
        // user only (as the systemd unit's UMask=0077 does), whoever starts tandemd by hand.
        umask(0o077)
        var settings = ServerConfiguration()
        do {
            if let config {
                let text = try ConfigFileText.read(config)
                try ConfigurationLoader.apply(configFileText: text, source: config, to: &settings)
            }
            try ConfigurationLoader.apply(environment: ProcessInfo.processInfo.environment, to: &settings)
            for (key, value) in flagValues {
                if let value { try ConfigurationLoader.set(key, value, source: "--\(key)", on: &settings) }
            }
            try ConfigurationLoader.validate(settings)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let level = Logger.Level(rawValue: settings.logLevel.rawValue) ?? .info
        let format = settings.logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "tandemd")
        for unknown in ConfigurationLoader.unknownEnvironmentNames(ProcessInfo.processInfo.environment) {
            let hint = unknown.meant.map { "; did you mean \($0)?" } ?? ""
            logger.warning("environment variable \(unknown.name) names no setting and is ignored\(hint)")
        }
        // A taken port is said before the database (and, on a first start, the owner account) is made.
        do {
            try WebSocketServer.checkListenable(host: settings.host, port: UInt16(settings.port))
        } catch {
            throw StartFailure.report("cannot listen on \(settings.host):\(settings.port): \(error)", logger: logger)
        }
        let server: TandemServer
        do {
            server = try TandemServer(configuration: settings, logger: logger)
        } catch {
            throw StartFailure.report("cannot start: \(error)", logger: logger)
        }
        let owner: FirstRun.Owner?
        do {
            owner = try FirstRun.ensureOwner(store: server.store, databasePath: settings.databasePath)
        } catch {
            // A full disk said in words (`FirstRun`): no account was made, the next start makes it.
            throw StartFailure.report("cannot start: \(error)", logger: logger)
        }
        let port: UInt16
        do {
            port = try server.start()
        } catch {
            // The owner account exists now: say where its token is, or a fixed restart would never show it.
            let saved = owner.map { " (the owner account was created; its token is in \($0.tokenFile))" } ?? ""
            throw StartFailure.report("cannot listen on \(settings.host):\(settings.port): \(error)\(saved)", logger: logger)
        }
        if let owner {
            // After listening, so `--port 0` shows the port actually bound.
            var shown = settings
            shown.port = Int(port)
            // The secret only to a terminal: journald and `docker logs` keep standard output (FirstRun.banner).
            print(FirstRun.banner(owner, url: shown.effectivePublicURL.replacingOccurrences(of: "http", with: "ws") + "/ws",
                                  showSecret: isatty(STDOUT_FILENO) == 1))
            fflush(nil)
        }
        let signal = ShutdownSignals.waitForSignal { server.reloadOnHangUp() }
        // Which signal: a stop the operator did not send (an OOM-killer's SIGTERM, a stray Ctrl-C) shows as such.
        logger.info("shutting down", metadata: ["signal": "\(signal == SIGINT ? "SIGINT" : "SIGTERM")"])
        server.shutdown(grace: 3)
    }
}
