/// What every connection of one server shares: settings, the application, TLS, and counters.
// @unchecked Sendable: immutable except `counters`, which is lock-guarded.
final class ServerCore: @unchecked Sendable {
    let configuration: TransportConfiguration
    let application: any WebSocketApplication
    let tlsContext: TLSContext?
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
        if let tls = configuration.tls {
            tlsContext = try TLSContext(server: tls)
        } else {
            tlsContext = nil
        }
        handshakeTimeout = (configuration.tls.map { max($0.handshakeTimeout, configuration.handshakeTimeout) }
            ?? configuration.handshakeTimeout).nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        pingInterval = configuration.pingInterval.nanoseconds
        closeTimeout = max(configuration.closeTimeout, 0.001).nanoseconds
        writeCoalescingWindow = max(configuration.writeCoalescingWindow, 0).nanoseconds
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
