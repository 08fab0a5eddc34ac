import CSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The server's share of one event loop: its SO_REUSEPORT listener and the connections it owns.
// Safe: `listenFD` and `connections` are confined to `loop`'s thread (asserted in debug); the rest is immutable.
final class ServerLoop: LoopHandler, @unchecked Sendable {
    let loop: EventLoop
    let server: ServerCore
    private var listenFD: Int32 = -1
    /// Held open so that, out of descriptors, one can be freed to accept a waiting client and close it:
    /// left in the backlog, that client keeps the listener readable and the loop spinning.
    private var spareFD: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)
    /// Clients closed for want of descriptors since the last log line (logged at most once a second).
    private var shedCount = 0
    private var shedLoggedAt: UInt64 = 0
    /// Live connections; each knows its slot for O(1) removal.
    private(set) var connections: [WebSocketConnection] = []
    /// Connections in the order accepted, from `awaitingHead` on, for `takeStalePlace` (those that
    /// have since been answered, upgraded or closed are skipped when reached, and dropped from the
    /// front at each accept by `forgetSettledAccepts`: the array holds its connections strongly).
    private var acceptOrder: [WebSocketConnection] = []
    private var awaitingHead = 0
    /// Connections closed by `takeStalePlace` since the last log line (logged at most once a second).
    private var staleClosed = 0
    private var staleLoggedAt: UInt64 = 0

    /// Compressors for shared frames (no context takeover), one per window size, used on this loop only.
    private var sharedDeflaters: [Int: Deflater] = [:]

    func sharedDeflater(windowBits: Int) -> Deflater {
        loop.assertInLoop()
        if let deflater = sharedDeflaters[windowBits] { return deflater }
        let deflater = Deflater(windowBits: windowBits, noContextTakeover: true, level: server.configuration.compressionLevel)
        sharedDeflaters[windowBits] = deflater
        return deflater
    }

    init(loop: EventLoop, server: ServerCore) {
        self.loop = loop
        self.server = server
    }

    /// Called on the loop thread: takes ownership of a bound listener.
    func adopt(listener fd: Int32) throws(TransportError) {
        loop.assertInLoop()
        listenFD = fd
        try loop.register(fd, interest: .read, handler: self)
    }

    /// Stops accepting (loop thread).
    func stopListening() {
        loop.assertInLoop()
        guard listenFD >= 0 else { return }
        loop.deregister(listenFD)
        close(listenFD)
        listenFD = -1
        if spareFD >= 0 {
            close(spareFD)
            spareFD = -1
        }
    }

    func handle(_ events: PollEvents) {
        // Bounded per turn so an accept storm cannot starve established connections.
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            // Safe: sockaddr_storage fits every address accept4 can write (length says its size); rebound only for the call
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE {
                    // Like a refusal past the overflow places at max-connections: accepted and closed at once.
                    if shedWaitingClient() { continue }
                }
                return
            }
            let remoteAddress = Sockets.describe(&storage)
            var address: AddressKey? = nil
            var forwardsClients = false
            if server.limitsAddresses {
                if server.configuration.exemptFromAddressLimit?(remoteAddress) == true {
                    // A proxy: counted under the client its request names, once it arrives.
                    forwardsClients = server.configuration.forwardedClient != nil
                } else {
                    address = AddressKey(&storage)
                }
            }
            if server.isFull { takeStalePlace() }
            guard let slot = server.reserveConnectionSlot(address: address) else {
                close(fd)
                continue
            }
            Sockets.setNoDelay(fd)
            let connection = WebSocketConnection(id: slot.id, fd: fd, remoteAddress: remoteAddress, serverLoop: self,
                                                 beyondLimit: slot.overflow)
            connection.address = slot.address
            connection.overAddressLimit = slot.overAddressLimit
            connection.forwardsClients = forwardsClients
            connection.slot = connections.count
            connections.append(connection)
            forgetSettledAccepts()
            acceptOrder.append(connection)
            connection.start()
        }
    }

    /// Moves `awaitingHead` past the connections that no longer await a request (answered, upgraded or
    /// closed) and compacts. Before, only a sweep at max-connections did, so every connection ever
    /// accepted stayed in memory (closed, its SSL object freed, the rest ~750 bytes) for the server's
    /// life. What stays now is bounded by the accepts behind the oldest silent connection, which the
    /// handshake timeout closes.
    private func forgetSettledAccepts() {
        while awaitingHead < acceptOrder.count && !acceptOrder[awaitingHead].awaitsRequest {
            awaitingHead += 1
        }
        compactAcceptOrder()
    }

    /// Connections `acceptOrder` still holds (tests: it must not grow with every connection ever made).
    var acceptOrderCount: Int {
        loop.assertInLoop()
        return acceptOrder.count
    }

    /// At max-connections, a new connection: closes every connection of this loop that has said
    /// nothing useful for `staleHandshakeAge` (no TLS handshake or request yet), so that the new one
    /// gets a place, and asks the other loops to do the same (SO_REUSEPORT spreads accepts: the silent
    /// ones may all be on another loop, whose places then come free for the next upgrade).
    private func takeStalePlace() {
        sweepStalePlaces()
        server.sweepStalePlaces(except: loop.index, now: loop.now)
    }

    /// Closes every connection of this loop that has sent no request for `staleHandshakeAge` (the
    /// server was at its limit when a new connection came, here or on another loop).
    func sweepStalePlaces() {
        loop.assertInLoop()
        let now = loop.now
        while awaitingHead < acceptOrder.count {
            let oldest = acceptOrder[awaitingHead]
            if oldest.awaitsRequest {
                guard now &- oldest.acceptedAt >= server.staleHandshakeAge else { break }
                oldest.closeSocket()
                staleClosed += 1
            }
            awaitingHead += 1
        }
        compactAcceptOrder()
        logStaleClosed(now: now)
    }

    private func compactAcceptOrder() {
        if awaitingHead >= 64 && awaitingHead * 2 >= acceptOrder.count {
            acceptOrder.removeFirst(awaitingHead)
            awaitingHead = 0
        }
    }

    private func logStaleClosed(now: UInt64) {
        if staleClosed > 0 && now &- staleLoggedAt >= 1_000_000_000 {
            logTransportError("max-connections reached: closed \(staleClosed) connection(s) that had sent no request "
                              + "for \(server.configuration.staleHandshakeAge) s, to make room")
            staleClosed = 0
            staleLoggedAt = now
        }
    }

    /// Out of descriptors: frees the spare one, accepts the oldest waiting client, closes it, and takes
    /// the spare back. Returns false when there was none to accept (or no spare).
    private func shedWaitingClient() -> Bool {
        var accepted: Int32 = -1
        // Another thread may have taken the descriptor the spare left (a database file, /proc): the
        // spare is taken back as soon as one is free again, or shedding would stop for good.
        if spareFD < 0 { spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC) }
        if spareFD >= 0 {
            close(spareFD)
            accepted = accept4(listenFD, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            if accepted >= 0 {
                close(accepted)
                shedCount += 1
            }
            spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if now &- shedLoggedAt >= 1_000_000_000 {
            logTransportError("accept: out of file descriptors; closed \(shedCount) new connection(s) at once "
                              + "(raise the open-file limit above max-connections)")
            shedCount = 0
            shedLoggedAt = now
        }
        return accepted >= 0
    }

    /// At shutdown, after every connection was aborted (loop thread): forgets them all. Each holds
    /// this loop (and through it the server and its application) strongly, so a connection still in
    /// `acceptOrder` (kept until the next accept) or `connections` kept the whole server alive after
    /// its stop, database connections and their descriptors included.
    func forgetConnections() {
        loop.assertInLoop()
        acceptOrder.removeAll()
        awaitingHead = 0
        for connection in connections { connection.slot = -1 }
        connections.removeAll()
    }

    /// Forgets a closed connection (loop thread).
    func remove(_ connection: WebSocketConnection) {
        loop.assertInLoop()
        let slot = connection.slot
        guard slot >= 0, slot < connections.count, connections[slot] === connection else { return }
        let last = connections.removeLast()
        if slot < connections.count {
            connections[slot] = last
            last.slot = slot
        }
        connection.slot = -1
        server.releaseConnectionSlot(overflow: connection.beyondLimit, address: connection.address,
                                     overAddressLimit: connection.overAddressLimit)
    }
}
