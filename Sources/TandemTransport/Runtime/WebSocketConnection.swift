#if canImport(Glibc)
import Glibc
#endif

/// One accepted connection, from the TLS/HTTP handshake through the WebSocket close.
/// Public methods may be called from any thread: off the loop they are handed to the loop.
// Safe: all mutable state is confined to `loop`'s thread (asserted in debug); cross-thread calls go through `loop.execute`.
public final class WebSocketConnection: @unchecked Sendable {
    /// Unique within the server.
    public let id: UInt64
    /// "ip:port" of the peer.
    public let remoteAddress: String
    /// The loop that owns this connection.
    public var loop: EventLoop { serverLoop.loop }
    /// Set by `UpgradeDecision.accept(context:)` on the loop before `opened` runs, never changed after,
    /// so reading it from other threads once the connection was handed out is safe.
    public internal(set) var context: (any Sendable)? {
        didSet { contextObject = context.flatMap { type(of: $0) is AnyClass ? $0 as AnyObject : nil } }
    }
    /// `context` when it is a class instance, else nil: a server that reads its context on every
    /// message casts this with a class check instead of casting the existential (`swift_dynamicCast`,
    /// ~430 instructions a message). Set with `context`, under the same rule.
    public private(set) var contextObject: AnyObject?
    /// The subprotocol agreed in the handshake.
    public internal(set) var subprotocol: String?

    enum Phase { case tlsHandshake, http, open, closing, draining, closed }

    let fd: Int32
    let serverLoop: ServerLoop
    var server: ServerCore { serverLoop.server }
    var slot = -1
    var phase: Phase = .http
    var tls: TLSSession?
    /// Present only while the HTTP request is being read.
    var httpParser: HTTPRequestParser?
    /// Present once open.
    var reader: MessageReader?
    var deflate: DeflateParameters?
    /// Per-connection compressor, only when the server keeps its compression context.
    var deflater: Deflater?
    var outbound = OutboundQueue()
    var interest: PollInterest = .read
    var flushRequested = false
    /// Loop time of the last flush (see `TransportConfiguration.writeCoalescingWindow`).
    var lastWrite: UInt64 = 0
    /// After the queue drains: close the socket (close handshake done) or half-close and drain (HTTP error).
    var afterFlush: AfterFlush = .nothing
    var sentClose = false
    var closeCode: UInt16?
    var lastActivity: UInt64 = 0
    /// The peer ended its side of the stream (FIN, or TLS close_notify): nothing more is read, but
    /// what it asked for before still goes out.
    var peerFinished = false
    /// When the socket was accepted (loop clock).
    var acceptedAt: UInt64 = 0
    /// Not yet upgraded nor answered: a TLS handshake or an HTTP request still to come.
    var awaitsRequest: Bool { phase == .tlsHandshake || (phase == .http && httpParser != nil) }
    var lastPing: UInt64 = 0
    /// When the first ping since the peer was last heard from went out (at or before
    /// `lastActivity`: none yet). The idle close waits a whole answer window from it.
    var firstUnansweredPing: UInt64 = 0
    var timerGeneration: UInt64 = 0
    /// The address it counts against under `maxConnectionsPerAddress` (nil: none).
    var address: AddressKey?
    /// Over that limit: its request is answered 429, whatever it is.
    var overAddressLimit = false
    /// From a proxy (`exemptFromAddressLimit`) while its request is still to come: the client the
    /// request names is counted then (`TransportConfiguration.forwardedClient`).
    var forwardsClients = false
    /// Accepted beyond the limit, its request waited once for the other loops' stale-place sweeps.
    var waitedForSweeps = false
    /// While the request waits for them: what the peer sent after it (nil otherwise).
    var parkedBytes: [UInt8]?
    /// A plain request was handed to the application, which answers later (`HTTPAnswer.later`).
    var awaitingAnswer = false
    /// Numbers the waits, so a stale `HTTPResponder` or `UpgradeResponder` answers nothing.
    var answerTicket: UInt64 = 0
    /// While the application decides an upgrade later: what the 101 will carry.
    var pendingUpgrade: UpgradeAcceptance?
    /// The application heard `opened`, so it must hear `closed`.
    var announced = false

    enum AfterFlush { case nothing, closeSocket, halfCloseAndDrain }

    /// Accepted beyond `maxConnections` (`ServerCore.overflowConnections`): a plain HTTP request
    /// is answered, an upgrade refused with 503.
    var beyondLimit: Bool

    init(id: UInt64, fd: Int32, remoteAddress: String, serverLoop: ServerLoop, beyondLimit: Bool = false) {
        self.id = id
        self.beyondLimit = beyondLimit
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.serverLoop = serverLoop
    }

    // MARK: Public API (any thread)

    /// Queues a shared frame (compressed per the connection's negotiation). Frames sent before
    /// `opened` or after the close began are dropped.
    public func send(_ frame: SharedFrame) {
        if loop.inLoop {
            enqueue(frame)
        } else if let batch = Collector.current {
            batch.add({ self.enqueue(frame) }, on: loop)
        } else {
            loop.execute { self.enqueue(frame) }
        }
    }

    /// Like `send`, except inside a `SendBatch` made off this connection's loop: then the frame is
    /// queued when the batch ends, behind the broadcasts the batch made, so that those stay one run
    /// (see `SendBatch`). Only for a frame that may arrive after broadcasts made after it, such as
    /// the answer to a request whose event the batch broadcasts.
    public func sendAfterBatch(_ frame: SharedFrame) {
        if let batch = Collector.current, !loop.inLoop {
            batch.addLate(frame, to: self)
        } else {
            send(frame)
        }
    }

    /// Sends a text message.
    public func send(text: String) { send(SharedFrame(text: text)) }

    /// Sends a binary message.
    public func send(binary: [UInt8]) { send(SharedFrame(binary: binary)) }

    /// Starts the closing handshake with `code` (the socket closes after the peer answers or after
    /// `closeTimeout`). Before the upgrade completes, the socket is just closed.
    public func close(code: UInt16 = 1000, reason: String = "") {
        if loop.inLoop {
            startClose(code: CloseCode(rawValue: code), reason: reason)
        } else if let batch = Collector.current {
            // Queued in order behind the frames before it; the batch wakes the loop.
            batch.add({ self.startClose(code: CloseCode(rawValue: code), reason: reason) }, on: loop)
        } else {
            loop.execute { self.startClose(code: CloseCode(rawValue: code), reason: reason) }
        }
    }

    /// Sends one shared frame to many connections (see `WebSocketServer.broadcast`): recipients are
    /// grouped by loop, one task per foreign loop (or one entry in the caller's `SendBatch`), inline
    /// work on the caller's own loop.
    public static func broadcast(_ frame: SharedFrame, to connections: [WebSocketConnection]) {
        broadcast(frame, to: ConnectionGroups(connections))
    }

    /// Sends one shared frame to connections already grouped by loop (a fan-out that sends many
    /// frames to the same audience groups it once).
    public static func broadcast(_ frame: SharedFrame, to audience: ConnectionGroups) {
        let caller = pthread_self()
        let batch = Collector.current
        for group in audience.groups {
            if group.loop.isThread(caller) {
                enqueue(frame, onEachOf: group.members)
            } else if let batch {
                batch.addBroadcast(frame, to: group.members, on: group.loop)
            } else {
                let members = group.members
                group.loop.execute { enqueue(frame, onEachOf: members) }
            }
        }
    }
}

extension WebSocketConnection {
    /// Queues `frame` on every member (all owned by the calling loop).
    static func enqueue(_ frame: SharedFrame, onEachOf members: [WebSocketConnection]) {
        // Safe: the buffer is read only inside this closure, while `members` is alive.
        members.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                // Safe: unretained: `members` holds a reference to every member until the loop ends.
                Unmanaged.passUnretained(buffer[index])._withUnsafeGuaranteedRef { $0.enqueue(frame) }
            }
        }
    }
}

/// Connections grouped by the loop that owns them: the unit a broadcast hands to each loop.
public struct ConnectionGroups: Sendable {
    let groups: [(loop: EventLoop, members: [WebSocketConnection])]

    /// Groups `connections`, keeping their order within each loop.
    public init(_ connections: some Sequence<WebSocketConnection>) {
        var groups: [(loop: EventLoop, members: [WebSocketConnection])] = []
        for connection in connections {
            let loop = connection.serverLoop.loop
            if let index = groups.firstIndex(where: { $0.loop === loop }) {
                groups[index].members.append(connection)
            } else {
                groups.append((loop, [connection]))
            }
        }
        self.groups = groups
    }

    /// Number of connections.
    public var count: Int { groups.reduce(0) { $0 + $1.members.count } }
}
