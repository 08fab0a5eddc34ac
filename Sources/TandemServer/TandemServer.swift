import Foundation
import Logging
import Synchronization
import TandemProtocol
import TandemStore
import TandemTransport

/// The collaborative session server: the store, the transport, and everything between them.
public final class TandemServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: Store
    public let metrics = ServerMetrics()
    let transport: WebSocketServer
    let pool: WorkPool
    let watcher: AccessWatcher
    let dispatcher: Dispatcher
    private let logger: Logger
    private let rateSampler: RateSampler
    private let memoryReleaser: FreedMemoryReleaser
    private let databaseLock: DatabaseLock?

    /// Opens (creating and migrating) the database and prepares the listener; `start` listens.
    public convenience init(configuration: ServerConfiguration, logger: Logger = Logger(label: "tandemd")) throws {
        try self.init(configuration: configuration, logger: logger, accessWatchInterval: 0.25)
    }

    /// `accessWatchInterval`: seconds between the access watcher's looks at the database (tests shorten
    /// it to meet the races a look can fall into); `accessSweepPerTick`: live sessions its catch-up
    /// reads a tick when no other process wrote (`ExternalCatchUp`; tests make the sweep slow).
    init(configuration: ServerConfiguration, logger: Logger, accessWatchInterval: Double,
         accessSweepPerTick: Int = ExternalCatchUp.defaultSweepPerTick) throws {
        try ConfigurationLoader.validate(configuration)
        self.configuration = configuration
        self.logger = logger
        var storeConfiguration = configuration.storeConfiguration
        storeConfiguration.onClockBehind = { [logger] step in
            if step.held {
                logger.warning("""
                    the system clock is \(step.behind) ms behind the last time stamp written (stepped back?): \
                    writes keep that stamp until the clock passes it, so updated_since misses nothing
                    """, metadata: ["behind_ms": "\(step.behind)", "held_at": "\(step.stamp)"])
            } else {
                logger.error("""
                    the system clock is \(step.behind) ms behind the last time stamp written, more than the \
                    hour stamps are held: they follow the clock back; clients polling session.list with \
                    updated_since may miss changes until the clock passes the old stamp (list in full once)
                    """, metadata: ["behind_ms": "\(step.behind)"])
            }
        }
        // Before the database is opened: a second server must not even run the migrations.
        let databaseLock = configuration.databasePath == ":memory:" ? nil : try DatabaseLock.acquire(databasePath: configuration.databasePath)
        self.databaseLock = databaseLock
        do throws(StoreError) {
            store = try Store(storeConfiguration)
        } catch {
            databaseLock?.release()
            throw error.explainingFullDisk(databasePath: configuration.databasePath)
        }
        // And on the database file itself, which a removed lock file does not hide (`ExclusiveUseLock`).
        do {
            try databaseLock?.holdFile(databasePath: configuration.databasePath)
        } catch {
            store.close()
            databaseLock?.release()
            throw error
        }
        pool = WorkPool(threads: ServerConfiguration.workThreads)
        let clock: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        let live = LiveSessions(metrics: metrics)
        let dispatcher = Dispatcher(store: store, live: live, pool: pool, configuration: configuration,
                                    metrics: metrics, logger: logger, clock: clock)
        self.dispatcher = dispatcher
        let authenticator = Authenticator(store: store, failuresPerMinute: configuration.authFailuresPerMinute,
                                          readerWait: configuration.httpReadWaitSeconds)
        let registry = ConnectionRegistry()
        let store = self.store
        // Healthy: the database reads, and storage took the last write it was given (a full disk
        // refuses every write while reads go on).
        // Read when scraped, like the health check's read: one count over the status index, where a
        // sampler's once a second lagged deletes by up to a second. A failed read leaves the last value.
        let deletesPending = metrics.deletesPending
        // Rendered on the work pool (TandemApplication). Both read through the store's health probe,
        // a connection of their own: with every pooled reader held by exports and searches they
        // used to wait up to http-read-wait and then answer busy, and an orchestrator restarted a
        // server for being loaded. The viewer page still waits at most http-read-wait for a reader.
        let readWait = configuration.httpReadWaitSeconds
        // The health check's read half, as a series (a failed read otherwise only left the last count).
        // A busy probe (another read under way past readWait) leaves the last value: slow, not failed.
        let readable = metrics.storeReadable
        metrics.sampleAtScrape {
            do throws(StoreError) {
                deletesPending.set(try store.probeHealth(waitingAtMost: readWait).pendingDeletes)
                readable.set(1)
            } catch {
                if error.kind != .busy { readable.set(0) }
            }
        }
        // Exported so an alert can compare tandem_connections with the limit (a scraper cannot read the config).
        metrics.connectionsLimit.set(configuration.maxConnections)
        // The health check's storage half, as a series: an alert can say "disk full" where a failing
        // /healthz probe only says "unhealthy".
        let refusingWrites = metrics.storageRefusingWrites
        // And a count: the flag is cleared by the next commit, so refusals of some writes only (the
        // large ones, on a nearly full disk) can fall between two scrapes.
        let refusals = metrics.writeRefusals
        metrics.sampleAtScrape {
            refusingWrites.set(store.writer.storage.refusesWrites ? 1 : 0)
            refusals.mirror(store.writer.storage.refusedWrites)
        }
        let health: @Sendable () -> HTTPRoutes.Health = {
            guard !store.writer.storage.refusesWrites else { return .failing }
            do throws(StoreError) {
                _ = try store.probeHealth(waitingAtMost: readWait)
                return .ok
            } catch {
                return error.kind == .busy ? .busy(error.message) : .failing
            }
        }
        let routes = HTTPRoutes(metrics: metrics, health: health, viewer: ViewerAssets(store: store, readWait: readWait,
                                                                                          maxTurns: configuration.maxViewerTurns))
        let application = TandemApplication(dispatcher: dispatcher, authenticator: authenticator, routes: routes,
                                            registry: registry, configuration: configuration, metrics: metrics,
                                            logger: logger, clock: clock)
        transport = try WebSocketServer(configuration: Self.transportConfiguration(configuration), application: application)
        watcher = AccessWatcher(registry: registry, live: live, dispatcher: dispatcher, authenticator: authenticator,
                                store: store, logger: logger, interval: accessWatchInterval, sweepPerTick: accessSweepPerTick)
        let transport = self.transport
        rateSampler = RateSampler(metrics: metrics, store: store, logger: logger,
                                  maxConnections: configuration.maxConnections,
                                  refusedPerAddress: { transport.connectionsRefusedPerAddress },
                                  flushLogs: { application.flushRefusalLogs() },
                                  keepLock: { Self.keepLockInPlace(databaseLock, logger) }) {
            transport.connectionsRefusedWhenFull
        }
        memoryReleaser = FreedMemoryReleaser(interval: configuration.memoryTrimIntervalSeconds)
    }

    /// Starts listening; returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws -> UInt16 {
        let port = try transport.start()
        if configuration.tlsCertificatePath != nil { warnIfCertificateExpires(publishCertificateExpiry()) }
        watcher.start()
        rateSampler.start()
        memoryReleaser.start()
        logger.info("tandemd listening", metadata: [
            "version": "\(Release.version)",
            "address": "\(configuration.tlsCertificatePath == nil ? "ws" : "wss")://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)/ws",
            "database": "\(configuration.databasePath)",
            "allocator": "\(Allocator.version.map { "jemalloc \($0)" } ?? "not jemalloc")"])
        noticeSpaceToCompact()
        return port
    }

    /// At start, once: files that hold much free space they cannot give back online (auto_vacuum
    /// NONE, the default) get one notice naming the opt-in. A small or fresh file gets none.
    private func noticeSpaceToCompact() {
        guard configuration.reclaimFreeMiB > 0 else { return }
        let files = store.diskSpace.worthCompacting(minBytes: configuration.reclaimFreeMiB << 20)
        guard !files.isEmpty else { return }
        logger.notice("""
            free space inside the database files is reused by new writes but not given back to the disk (auto_vacuum NONE); \
            to get it back, and have tandemd give freed space back online from then on (at some cost in write \
            throughput: deploy/README.md, Disk space), stop tandemd and run tandem-admin compact once
            """, metadata: ["database": "\(configuration.databasePath)",
                           "free-mib": "\(files.map { "\($0.file.rawValue) \($0.freeBytes >> 20)" }.joined(separator: ", "))"])
    }

    /// Takes the one-server lock again when its file was removed or replaced, saying so; a new
    /// file another process holds is said once, until it is in place again.
    private static func keepLockInPlace(_ lock: DatabaseLock?, _ logger: Logger) {
        guard let lock else { return }
        switch lock.keepInPlace() {
        case .inPlace:
            lock.reportedTaken.store(false, ordering: .relaxed)
        case .restored:
            lock.reportedTaken.store(false, ordering: .relaxed)
            logger.warning("the lock file was removed or replaced while tandemd runs; made it again and holding it",
                           metadata: ["lock": "\(lock.path)"])
        case .takenBy(let holder):
            guard !lock.reportedTaken.exchange(true, ordering: .relaxed) else { return }
            logger.error("the lock file was removed or replaced while tandemd runs, and another process holds the new one; stop it, or restart tandemd once it ends",
                         metadata: ["lock": "\(lock.path)", "holder": "\(holder ?? "unknown")"])
        }
    }

    /// On SIGHUP: reads the TLS certificate chain and key again (a renewed certificate) for the
    /// connections accepted from now on, and says so in the log; every other setting is read only at
    /// start. A certificate that does not load is logged as an error, and the old one stays in use.
    public func reloadOnHangUp() {
        guard let certificate = configuration.tlsCertificatePath else {
            logger.notice("SIGHUP: tandemd reads its configuration only at start; restart it to apply changes (still serving)")
            return
        }
        do {
            try transport.reloadTLS(now: Int64(Date().timeIntervalSince1970))
            let notAfter = publishCertificateExpiry()
            warnIfCertificateExpires(notAfter)
            logger.notice("SIGHUP: reloaded the TLS certificate and key for new connections; other settings apply at the next start",
                          metadata: ["tls-cert": "\(certificate)",
                                     "expires": "\(Date(timeIntervalSince1970: TimeInterval(notAfter)).ISO8601Format())"])
        } catch {
            logger.error("SIGHUP: kept the TLS certificate in use: the files did not load (\(error))",
                         metadata: ["tls-cert": "\(certificate)"])
        }
    }

    /// A certificate that has expired, or does within two weeks, is said at `warning`: clients refuse an
    /// expired one, and nothing else would tell until they do.
    private func warnIfCertificateExpires(_ notAfter: Int64) {
        let left = notAfter - Int64(Date().timeIntervalSince1970)
        let when = Date(timeIntervalSince1970: TimeInterval(notAfter)).ISO8601Format()
        if left <= 0 {
            logger.warning("the TLS certificate has expired: clients will refuse every connection; renew it and send SIGHUP",
                           metadata: ["tls-cert": "\(configuration.tlsCertificatePath ?? "")", "expired": "\(when)"])
        } else if left < 14 * 86_400 {
            logger.warning("the TLS certificate expires in \(left / 86_400) day(s); renew it and send SIGHUP",
                           metadata: ["tls-cert": "\(configuration.tlsCertificatePath ?? "")", "expires": "\(when)"])
        }
    }

    /// Sets the certificate-expiry gauge from the certificate new connections get (0, not shown,
    /// without TLS) and returns it.
    @discardableResult
    private func publishCertificateExpiry() -> Int64 {
        let notAfter = transport.tlsCertificateNotAfter ?? 0
        metrics.tlsCertificateExpiry.set(Int(notAfter))
        return notAfter
    }

    /// Stops accepting, closes every connection with 1001 (waiting up to `grace` seconds), then
    /// finishes queued work and closes the database.
    public func shutdown(grace: Double = 2) {
        transport.shutdown(grace: grace)
        watcher.stop()
        rateSampler.stop()
        memoryReleaser.stop()
        // Requests waiting for a branch merge would hold their work threads, and so this stop, until
        // the merge ends: never, for one a dead process left (the pickup that finishes it is stopped).
        store.writer.refuseParked(StoreError(.closed, "the server is stopping; the write waited for a branch merge and was not made"))
        pool.shutdown()
        store.close()
        databaseLock?.release()
        logger.info("tandemd stopped")
    }

    static func transportConfiguration(_ c: ServerConfiguration) -> TransportConfiguration {
        let limits = WebSocketLimits(maxFramePayload: c.maxMessageBytes, maxMessageSize: c.maxMessageBytes,
                                     maxFragments: 1024, maxDecompressedMessageSize: c.maxMessageBytes)
        let tls = c.tlsCertificatePath.flatMap { cert in
            c.tlsKeyPath.map { TLSConfiguration(certificatePath: cert, keyPath: $0, handshakeTimeout: c.handshakeTimeoutSeconds) }
        }
        let upgrade = UpgradeConfiguration(allowedOrigins: c.upgradeOrigins,
                                           subprotocols: [ProtocolVersion.subprotocol],
                                           deflate: DeflateConfiguration(compressionLevel: 1))
        var transport = TransportConfiguration(
            host: c.host, port: UInt16(c.port), loopCount: c.loops == 0 ? TransportConfiguration.coreCount : c.loops,
            limits: limits, outboundQueueLimit: c.outboundQueueBytes, maxConnections: c.maxConnections,
            handshakeTimeout: c.handshakeTimeoutSeconds, idleTimeout: c.idleTimeoutSeconds,
            pingInterval: c.pingIntervalSeconds, closeTimeout: c.closeTimeoutSeconds, tls: tls, upgrade: upgrade)
        transport.slowConsumerCloseCode = TandemProtocol.CloseCode.slowConsumer.rawValue
        transport.idleCloseCode = TandemProtocol.CloseCode.idleTimeout.rawValue
        transport.writeCoalescingWindow = c.writeCoalescingMilliseconds / 1000
        transport.staleHandshakeAge = c.staleHandshakeSeconds
        transport.maxConnectionsPerAddress = c.maxConnectionsPerAddress
        if !c.trustedProxies.isEmpty {
            // Every client behind a proxy comes from the proxy's address: the proxy is not held to the
            // limit, the client its X-Forwarded-For names is (by the rule the auth throttle follows).
            let clients = ClientAddress(trustedProxies: c.trustedProxies)
            transport.exemptFromAddressLimit = { peer in clients.trustedProxies.allows(ClientAddress.host(of: peer)) }
            transport.forwardedClient = { request, peer in
                clients.forwardedClient(peer: peer, forwardedFor: request.headerValues("x-forwarded-for"))
            }
        }
        return transport
    }
}

/// Samples the turn counter once a second into the `turns_per_second` gauge, the store
/// writer's commit counts into their counters, the search index's backlog, and the files' and
/// their file system's sizes.
final class RateSampler: @unchecked Sendable {
    // Safe: `timer` is set in start and cancelled in stop, both from the owner's thread.
    private let metrics: ServerMetrics
    private let store: Store
    private let logger: Logger
    private let maxConnections: Int
    private let refusedWhenFull: @Sendable () -> Int
    private let refusedPerAddress: @Sendable () -> Int
    /// Tells the refusals a throttled log left out once their window has ended.
    private let flushLogs: @Sendable () -> Void
    /// Takes the one-server lock again if its file went (`DatabaseLock.keepInPlace`).
    private let keepLock: @Sendable () -> Void
    private var timer: (any DispatchSourceTimer)?
    /// The turn count at the previous tick. Atomic, not a captured `var`: successive ticks run on
    /// different threads of the global queue (ThreadSanitizer reported the captured `var` as a race).
    private let last = Atomic<Int>(0)
    private let ticks = Atomic<Int>(0)

    init(metrics: ServerMetrics, store: Store, logger: Logger, maxConnections: Int,
         refusedPerAddress: @escaping @Sendable () -> Int = { 0 }, flushLogs: @escaping @Sendable () -> Void = {},
         keepLock: @escaping @Sendable () -> Void = {}, refusedWhenFull: @escaping @Sendable () -> Int) {
        self.refusedPerAddress = refusedPerAddress
        self.flushLogs = flushLogs
        self.keepLock = keepLock
        self.metrics = metrics
        self.store = store
        self.logger = logger
        self.maxConnections = maxConnections
        self.refusedWhenFull = refusedWhenFull
    }

    func start() {
        Self.sampleFileSizes(metrics, store)
        let timer = DispatchSource.makeTimerSource(queue: .global())
        last.store(metrics.turns.value, ordering: .relaxed)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [metrics, store, logger, maxConnections, refusedWhenFull, refusedPerAddress, flushLogs, keepLock, weak self] in
            guard let self else { return }
            flushLogs()
            keepLock()
            // Refusals at the connection limit: counted, and one log line a second while they last.
            let refused = refusedWhenFull()
            if refused > metrics.connectionsRefused.value {
                logger.warning("connections refused at max-connections", metadata: [
                    "refused": "\(refused - metrics.connectionsRefused.value)", "max-connections": "\(maxConnections)"])
                metrics.connectionsRefused.mirror(refused)
            }
            // Refusals per address are logged one by one (throttled) when told 429; this counts
            // them with those closed right after accept, which no line names.
            metrics.connectionsRefusedPerAddress.mirror(refusedPerAddress())
            let now = metrics.turns.value
            metrics.turnsPerSecond.set(now - last.exchange(now, ordering: .relaxed))
            let (commits, jobs) = store.writer.committed
            metrics.storeCommits.mirror(commits)
            metrics.storeJobs.mirror(jobs)
            metrics.searchIndexBacklog.set(Int(store.searchIndexBacklog))
            let space = store.diskSpace
            metrics.storeFreeBytes.set(space.freeBytes(.main))
            metrics.searchFreeBytes.set(space.freeBytes(.search))
            metrics.reclaimedBytes.mirror(space.reclaimedBytes)
            Self.sampleFileSizes(metrics, store)
            for pass in space.takeEndedPasses() {
                logger.info("gave free pages back to the disk", metadata: [
                    "file": "\(pass.file.rawValue)", "reclaimed-mib": "\(String(format: "%.1f", Double(pass.bytes) / 1_048_576))",
                    "steps": "\(pass.steps)", "seconds": "\(String(format: "%.1f", pass.seconds))",
                    "file-mib": "\(String(format: "%.1f", Double(pass.fileBytes) / 1_048_576))"])
            }
            // Imports and forks whose tandem-admin process died while this server runs (or silent for 10
            // minutes: ImportReclaim): looked for once a minute.
            // And merges whose steps stopped (failed three times, or ran in a process that died): off this
            // timer's thread, as finishing one takes as long as its steps.
            if ticks.add(1, ordering: .relaxed).newValue % 60 == 0 {
                _ = try? store.abandonStaleImports()
                DispatchQueue.global().async { try? store.finishStaleMerges() }
            }
        }
        timer.resume()
        self.timer = timer
    }

    func stop() { timer?.cancel() }

    /// The files' sizes and modes, their file system's space; also at start, so the first scrape has them.
    private static func sampleFileSizes(_ metrics: ServerMetrics, _ store: Store) {
        let space = store.diskSpace
        metrics.storeFileBytes.set(space.fileBytes(.main))
        metrics.searchFileBytes.set(space.fileBytes(.search))
        // A file not read yet (no search file) says 1: no alert names the opt-in for it.
        metrics.storeReclaimsOnline.set(space.reclaimsOnline(.main) == false ? 0 : 1)
        metrics.searchReclaimsOnline.set(space.reclaimsOnline(.search) == false ? 0 : 1)
        guard let sizes = StoreFileSizes.read(databasePath: store.configuration.path) else { return }
        metrics.fileSystemAvailableBytes.set(sizes.fileSystemAvailableBytes)
        metrics.fileSystemSizeBytes.set(sizes.fileSystemSizeBytes)
        metrics.walBytes.set(sizes.walBytes)
    }
}
