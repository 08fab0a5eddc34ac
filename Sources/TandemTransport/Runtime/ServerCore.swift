/// What every connection of one server shares: settings, the application, TLS, and counters.
// Safe: immutable except what sits in `LockedBox`es (counters, TLS context, sweeps), each lock-guarded.
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
    let staleHandshakeAge: UInt64
    private let counters: LockedBox<Counters>

    /// Connections accepted beyond `maxConnections` to answer plain HTTP requests (health checks,
    /// metrics) and to refuse upgrades with 503; beyond these too, closed right after accept.
    static let overflowConnections = 16

    /// A reserved place: the connection's id, whether it is one of the overflow places, and the
    /// address it counts against (nil: not counted), which it is over the limit of when `overAddressLimit`.
    struct Slot {
        let id: UInt64
        let overflow: Bool
        var address: AddressKey? = nil
        var overAddressLimit = false
    }

    private struct Counters {
        var open = 0
        var overflow = 0
        var perAddress: AddressLimit
        /// Connections refused for `maxConnectionsPerAddress` (429, or closed right after accept).
        var refusedPerAddress = 0
        /// Connections refused because `maxConnections` were open (503, or closed right after accept).
        var refusedWhenFull = 0
        var nextID: UInt64 = 0
        var accepting = true
    }

    init(configuration: TransportConfiguration, application: any WebSocketApplication) throws(TransportError) {
        self.configuration = configuration
        self.application = application
        counters = LockedBox(Counters(perAddress: AddressLimit(limit: configuration.maxConnectionsPerAddress)))
        tls = LockedBox(try configuration.tls.map { tls throws(TransportError) in try TLSContext(server: tls) })
        handshakeTimeout = (configuration.tls.map { max($0.handshakeTimeout, configuration.handshakeTimeout) }
            ?? configuration.handshakeTimeout).nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        pingInterval = configuration.pingInterval.nanoseconds
        closeTimeout = max(configuration.closeTimeout, 0.001).nanoseconds
        writeCoalescingWindow = max(configuration.writeCoalescingWindow, 0).nanoseconds
        staleHandshakeAge = configuration.staleHandshakeAge.nanoseconds
    }

    /// The context for a connection accepted now; nil without TLS.
    var tlsContext: TLSContext? { tls.withLock { $0 } }

    /// When the certificate new connections get expires (seconds since 1970); nil without TLS.
    var tlsCertificateNotAfter: Int64? { tlsContext?.certificateNotAfter }

    /// Loads the certificate chain and key again from the configured files, for connections accepted
    /// from now on. If they do not load (or do not match), throws and keeps serving the old ones; so
    /// too, given `now`, for a certificate already expired when the one in use is not (clients would
    /// refuse every connection).
    func reloadTLS(now: Int64? = nil) throws(TransportError) {
        guard let files = configuration.tls else { return }
        let fresh = try TLSContext(server: files)
        if let now, let notAfter = fresh.certificateNotAfter, notAfter <= now, (tlsContext?.certificateNotAfter ?? 0) > now {
            throw TransportError("tls reload", code: 0, detail: "the new certificate expired \(now - notAfter) s ago; the one in use is still valid")
        }
        tls.withLock { $0 = fresh }
    }

    /// Whether connections are counted per address (`maxConnectionsPerAddress` above 0).
    var limitsAddresses: Bool { configuration.maxConnectionsPerAddress > 0 }

    /// Counts a new connection unless the server is stopping, or full even counting the overflow
    /// places, or its `address` has too many even counting the connections being refused.
    func reserveConnectionSlot(address: AddressKey? = nil) -> Slot? {
        counters.withLock { counters -> Slot? in
            guard counters.accepting else { return nil }
            if let address {
                switch counters.perAddress.admit(address) {
                case .admit:
                    break
                case .refuse:
                    // Told why when its request arrives; holds no place of maxConnections.
                    counters.refusedPerAddress += 1
                    counters.nextID += 1
                    return Slot(id: counters.nextID, overflow: false, address: address, overAddressLimit: true)
                case .drop:
                    counters.refusedPerAddress += 1
                    return nil
                }
            }
            let overflow = counters.open >= configuration.maxConnections
            if overflow {
                guard counters.overflow < Self.overflowConnections else {
                    counters.refusedWhenFull += 1
                    if let address { counters.perAddress.release(address, refused: false) }
                    return nil
                }
                counters.overflow += 1
            } else {
                counters.open += 1
            }
            counters.nextID += 1
            return Slot(id: counters.nextID, overflow: overflow, address: address)
        }
    }

    /// Counts a connection under the client its proxy named (`forwardedClient`); false when that
    /// client holds its share (counted as refused; released with `releaseConnectionSlot` otherwise).
    func admitForwardedClient(_ key: AddressKey) -> Bool {
        counters.withLock { counters in
            guard counters.perAddress.admitNamed(key) else {
                counters.refusedPerAddress += 1
                return false
            }
            return true
        }
    }

    /// Gives back what `reserveConnectionSlot` counted for a connection now closed.
    func releaseConnectionSlot(overflow: Bool, address: AddressKey? = nil, overAddressLimit: Bool = false) {
        counters.withLock { counters in
            if let address { counters.perAddress.release(address, refused: overAddressLimit) }
            if overAddressLimit { return }
            if overflow { counters.overflow -= 1 } else { counters.open -= 1 }
        }
    }

    /// Turns an overflow place into a regular one when one is free now; true if it did.
    func promoteOverflowSlot() -> Bool {
        counters.withLock { counters in
            guard counters.open < configuration.maxConnections else { return false }
            counters.overflow -= 1
            counters.open += 1
            return true
        }
    }

    /// Each loop's stale-place sweep (set once by `WebSocketServer`): at the limit, a loop with no
    /// silent connection of its own asks the others to close theirs, so the places they hold come
    /// free for the next upgrade whichever loop accepted it. A sweep runs on its own loop, then
    /// calls the closure it was given (from that loop's thread).
    let staleSweeps = LockedBox<[(loop: Int, sweep: @Sendable (_ then: @escaping @Sendable () -> Void) -> Void)]>([])
    private let lastSweepRequest = LockedBox<UInt64>(0)
    /// Sweeps asked of other loops that have not run yet, and what waits for them all to have run.
    private let pendingSweeps = LockedBox(PendingSweeps())

    private struct PendingSweeps {
        var count = 0
        var waiters: [@Sendable () -> Void] = []
    }

    /// Runs the other loops' sweeps, at most once per 50 ms.
    func sweepStalePlaces(except loop: Int, now: UInt64) {
        let due = lastSweepRequest.withLock { last -> Bool in
            guard now &- last >= 50_000_000 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let others = staleSweeps.withLock { $0 }.filter { $0.loop != loop }
        pendingSweeps.withLock { $0.count += others.count }
        for entry in others {
            entry.sweep { [weak self] in self?.sweepRan() }
        }
    }

    private func sweepRan() {
        let ready = pendingSweeps.withLock { pending -> [@Sendable () -> Void] in
            pending.count -= 1
            guard pending.count == 0 else { return [] }
            defer { pending.waiters = [] }
            return pending.waiters
        }
        for resume in ready { resume() }
    }

    /// When sweeps asked of other loops have yet to run: keeps `resume`, to be called (on the thread
    /// of the loop whose sweep ran last) once they all have, and returns true. Otherwise false, and
    /// `resume` is dropped. A connection accepted beyond the limit whose request arrives before the
    /// places its accept asked for came free waits for them instead of being refused.
    func afterPendingSweeps(_ resume: @escaping @Sendable () -> Void) -> Bool {
        pendingSweeps.withLock { pending in
            guard pending.count > 0 else { return false }
            pending.waiters.append(resume)
            return true
        }
    }

    /// An overflow connection asked to upgrade and was refused.
    func noteRefusedWhenFull() {
        counters.withLock { $0.refusedWhenFull += 1 }
    }

    var openConnections: Int { counters.withLock { $0.open } }
    /// Every regular place is taken (`maxConnections`).
    var isFull: Bool { counters.withLock { $0.open >= configuration.maxConnections } }
    var refusedWhenFull: Int { counters.withLock { $0.refusedWhenFull } }
    var refusedPerAddress: Int { counters.withLock { $0.refusedPerAddress } }

    func stopAccepting() { counters.withLock { $0.accepting = false } }
}
