/// What every connection of one server shares: settings, the application, TLS, and counters.
// @unchecked Sendable: immutable except `counters` and `tls`, which are lock-guarded.
final class ServerCore: @unchecked Sendable {
    let configuration: TransportConfiguration
    let application: any WebSocketApplication
    /// The TLS context new connections start from; `reloadTLS` replaces it (connections already
    /// accepted keep the one they began with).
    private let tls: LockedBox<TLSContext?>
    let handshakeTimeout: UInt64
    let idleTimeout: UInt64
    let pingInterval: UInt64
    let closeTimeout: UInt64
    let writeCoalescingWindow: UInt64
    private let counters = LockedBox(Counters())

    private struct Counters {
        var open = 0
        /// Connections closed right after accept because `maxConnections` were open.
        var refusedWhenFull = 0
        var nextID: UInt64 = 0
        var accepting = true
    }

    init(configuration: TransportConfiguration, application: any WebSocketApplication) throws(TransportError) {
        self.configuration = configuration
        self.application = application
        tls = LockedBox(try configuration.tls.map { tls throws(TransportError) in try TLSContext(server: tls) })
        handshakeTimeout = (configuration.tls.map { max($0.handshakeTimeout, configuration.handshakeTimeout) }
            ?? configuration.handshakeTimeout).nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        pingInterval = configuration.pingInterval.nanoseconds
        closeTimeout = max(configuration.closeTimeout, 0.001).nanoseconds
        writeCoalescingWindow = max(configuration.writeCoalescingWindow, 0).nanoseconds
    }

    /// The context for a connection accepted now; nil without TLS.
    var tlsContext: TLSContext? { tls.withLock { $0 } }

    /// When the certificate new connections get expires (seconds since 1970); nil without TLS.
    var tlsCertificateNotAfter: Int64? { tlsContext?.certificateNotAfter }

    /// Loads the certificate chain and key again from the configured files, for connections accepted
    /// from now on. If they do not load (or do not match), throws and keeps serving the old ones.
    func reloadTLS() throws(TransportError) {
        guard let files = configuration.tls else { return }
        let fresh = try TLSContext(server: files)
        tls.withLock { $0 = fresh }
    }

    /// Counts a new connection unless the server is full or stopping.
    func reserveConnectionSlot() -> UInt64? {
        counters.withLock { counters -> UInt64? in
            guard counters.accepting else { return nil }
            guard counters.open < configuration.maxConnections else {
                counters.refusedWhenFull += 1
                return nil
            }
            counters.open += 1
            counters.nextID += 1
            return counters.nextID
        }
    }

    func releaseConnectionSlot() {
        counters.withLock { $0.open -= 1 }
    }

    var openConnections: Int { counters.withLock { $0.open } }
    var refusedWhenFull: Int { counters.withLock { $0.refusedWhenFull } }

    func stopAccepting() { counters.withLock { $0.accepting = false } }
}
