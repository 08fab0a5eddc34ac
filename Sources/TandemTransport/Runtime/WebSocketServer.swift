import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket server on its own epoll loops: `start()`, then later `shutdown(grace:)`.
/// Thread-safe: every method may be called from any thread.
public final class WebSocketServer: Sendable {
    let core: ServerCore
    let serverLoops: [ServerLoop]
    private let lifecycle = LockedBox(Lifecycle())

    private struct Lifecycle {
        var port: UInt16?
        var stopped = false
    }

    public var configuration: TransportConfiguration { core.configuration }

    /// Creates the loops (not yet running). Throws if the TLS files cannot be loaded.
    public init(configuration: TransportConfiguration, application: any WebSocketApplication) throws(TransportError) {
        _ = Sockets.ignoreSIGPIPE
        let core = try ServerCore(configuration: configuration, application: application)
        var loops: [ServerLoop] = []
        for index in 0..<configuration.loopCount {
            loops.append(ServerLoop(loop: try EventLoop(index: index, maxEventsPerTurn: configuration.maxEventsPerTurn), server: core))
        }
        self.core = core
        serverLoops = loops
        core.staleSweeps.withLock { sweeps in
            sweeps = loops.map { serverLoop in
                // Weak: the core outlives nothing it holds (no cycle core → sweep → loop → core).
                (serverLoop.loop.index, { [weak serverLoop] then in
                    guard let serverLoop else { return then() }
                    serverLoop.loop.execute { [weak serverLoop] in
                        serverLoop?.sweepStalePlaces()
                        then()
                    }
                })
            }
        }
    }

    /// Fails as `start` would when `host:port` cannot be listened on (taken, not an address of this
    /// machine, a privileged port): for a program that would rather learn it before it creates
    /// anything (tandemd: before a new database and its owner token). Port 0 always passes.
    public static func checkListenable(host: String, port: UInt16) throws(TransportError) {
        guard port != 0 else { return }
        close(try Sockets.listen(host: host, port: port, backlog: 1, reusePort: false))
    }

    /// The event loops, for applications that keep per-loop state (index = `EventLoop.index`).
    public var loops: [EventLoop] { serverLoops.map(\.loop) }

    /// Number of connections currently accepted (handshaking, open or closing).
    public var connectionCount: Int { core.openConnections }

    /// Connections refused because `maxConnections` were open (503 to an upgrade, or closed right
    /// after accept past the overflow places), since start.
    public var connectionsRefusedWhenFull: Int { core.refusedWhenFull }

    /// Connections refused because their address held `maxConnectionsPerAddress` (429, or closed
    /// right after accept past the refusals kept per address), since start.
    public var connectionsRefusedPerAddress: Int { core.refusedPerAddress }

    /// Binds one SO_REUSEPORT listener per loop, starts the loop threads, and returns the bound port.
    @discardableResult
    public func start() throws(TransportError) -> UInt16 {
        if let port = lifecycle.withLock({ $0.port }) { return port }
        let config = core.configuration
        var listeners: [Int32] = []
        var port = config.port
        if port != 0 {
            // SO_REUSEPORT would also let this server share a port another process listens on
            // (a second tandemd taking a share of the first one's connections): a plain bind
            // first fails with "address in use" when the port is taken.
            close(try Sockets.listen(host: config.host, port: port, backlog: 1, reusePort: false))
        }
        do {
            for _ in serverLoops {
                let fd = try Sockets.listen(host: config.host, port: port, backlog: config.backlog, reusePort: true)
                listeners.append(fd)
                if port == 0 { port = Sockets.localPort(fd) }
            }
        } catch {
            listeners.forEach { _ = close($0) }
            throw error
        }
        for (index, serverLoop) in serverLoops.enumerated() {
            try serverLoop.loop.start(name: "tandem-loop-\(index)")
            let fd = listeners[index]
            serverLoop.loop.execute {
                do { try serverLoop.adopt(listener: fd) } catch { logTransportError("listener: \(error)") }
            }
        }
        lifecycle.withLock { $0.port = port }
        return port
    }

    /// Reads the TLS certificate chain and key again from the configured paths (a renewed
    /// certificate): connections accepted from now on use them, open ones keep theirs. Throws, and
    /// keeps the old ones, if the files do not load or do not match. Nothing to do without TLS.
    public func reloadTLS(now: Int64? = nil) throws(TransportError) {
        try core.reloadTLS(now: now)
    }

    /// When the TLS certificate that new connections get expires, in seconds since 1970 (after a
    /// `reloadTLS`, the new one's); nil without TLS.
    public var tlsCertificateNotAfter: Int64? { core.tlsCertificateNotAfter }

    /// The bound port once started.
    public var port: UInt16? { lifecycle.withLock { $0.port } }

    /// Stops accepting, sends close 1001 to every open connection, waits up to `grace` seconds for
    /// the connections to finish, drops the rest and stops the loop threads. Blocks the caller.
    public func shutdown(grace: Double = 2) {
        let first = lifecycle.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped && state.port != nil
        }
        guard first else { return }
        core.stopAccepting()
        for serverLoop in serverLoops {
            serverLoop.loop.execute {
                serverLoop.stopListening()
                for connection in serverLoop.connections { connection.close(code: 1001, reason: "server shutting down") }
            }
        }
        let deadline = monotonicNanoseconds() + grace.nanoseconds
        while core.openConnections > 0 && monotonicNanoseconds() < deadline {
            usleep(5_000)
        }
        for serverLoop in serverLoops {
            serverLoop.loop.execute {
                for connection in serverLoop.connections { connection.abort() }
                serverLoop.forgetConnections()
            }
            serverLoop.loop.stopAndJoin()
        }
    }

    /// Sends one shared frame to many connections: recipients are grouped by loop and each loop
    /// gets ONE task (or the work runs inline for the caller's own loop), so a broadcast to N
    /// members on L loops costs L hand-overs, not N. The frame's bytes are shared, never copied.
    public func broadcast(_ frame: SharedFrame, to connections: [WebSocketConnection]) {
        WebSocketConnection.broadcast(frame, to: connections)
    }
}
