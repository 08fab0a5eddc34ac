import CSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The server's share of one event loop: its SO_REUSEPORT listener and the connections it owns.
// @unchecked Sendable: `listenFD` and `connections` are confined to `loop`'s thread (asserted in debug); the rest is immutable.
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
            guard let slot = server.reserveConnectionSlot() else {
                close(fd)
                continue
            }
            Sockets.setNoDelay(fd)
            let connection = WebSocketConnection(id: slot.id, fd: fd, remoteAddress: Sockets.describe(&storage), serverLoop: self,
                                                 beyondLimit: slot.overflow)
            connection.slot = connections.count
            connections.append(connection)
            connection.start()
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
        server.releaseConnectionSlot(overflow: connection.beyondLimit)
    }
}
