import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Everything a `WebSocketServer` needs to know, with limits spelled out.
/// Durations are in seconds; 0 disables a timer where noted.
public struct TransportConfiguration: Sendable {
    /// Numeric address to bind ("127.0.0.1", "0.0.0.0", "::").
    public var host: String
    /// TCP port; 0 picks a free one (see `WebSocketServer.start()`'s result).
    public var port: UInt16
    /// Event-loop threads. Each loop has its own SO_REUSEPORT listener on the same port, so the
    /// kernel spreads new connections across loops and no acceptor thread hands sockets around.
    public var loopCount: Int
    /// Frame, message and fragment limits enforced by the codec.
    public var limits: WebSocketLimits
    /// Request-line, header count and header size limits for the HTTP handshake.
    public var http: HTTPLimits
    /// Bytes a connection may have queued for the socket. A frame that would take the queue past this
    /// limit (while something is already queued) closes the connection with 1008 (policy violation):
    /// the queue is dropped, the close frame goes out after any partly written frame, and the socket
    /// is closed after `closeTimeout`. A single frame larger than the limit is allowed into an empty queue.
    public var outboundQueueLimit: Int
    /// Readiness events (mostly readable connections) one loop turn handles before it runs its
    /// tasks, timers and writes. Under load a turn keeps taking ready descriptors up to this many:
    /// everything they sent is handled together, and each connection's frames of the turn go out
    /// in one write, so a loaded loop does fewer, larger writes. A larger value trades turn length
    /// (latency under overload, timer precision) for throughput; an idle loop is unaffected.
    public var maxEventsPerTurn = 4096
    /// Connections beyond this get plain HTTP answers only (an upgrade: 503 with Retry-After), up to
    /// `ServerCore.overflowConnections` more at once; beyond those, closed right after accept.
    public var maxConnections: Int
    /// Time allowed from accept to a complete HTTP request (and TLS handshake). Timeout: 408, then close.
    public var handshakeTimeout: Double
    /// An open connection that receives nothing for this long is closed with 1001 (0 = never).
    public var idleTimeout: Double
    /// A ping is sent after this long without receiving anything (0 = never).
    public var pingInterval: Double
    /// How long to wait for the peer's close frame (or EOF after an HTTP error) before dropping the socket.
    public var closeTimeout: Double
    /// wss:// when set.
    public var tls: TLSConfiguration?
    /// Subprotocols, Origin allow-list and permessage-deflate settings for the upgrade.
    public var upgrade: UpgradeConfiguration
    /// listen(2) backlog.
    public var backlog: Int32
    /// With permessage-deflate, messages smaller than this go out uncompressed.
    public var compressionThreshold: Int = 64
    /// zlib level for outgoing messages (1 = fastest).
    public var compressionLevel: Int = 1
    /// Close code sent to a slow consumer (default 1008, policy violation); applications with their
    /// own code for it (tandem.v1 uses 4408) set it here.
    public var slowConsumerCloseCode: UInt16 = 1008
    /// Close code sent when a connection was silent for `idleTimeout` (default 1001, going away).
    public var idleCloseCode: UInt16 = 1001
    /// Seconds a connection waits after one write before the next, gathering what is queued
    /// meanwhile into that next write (0 = write at the end of every loop turn). A frame for a
    /// connection that wrote longer ago than this goes out at the end of the turn as before, so
    /// sparse traffic gains no delay; a connection receiving a stream of small frames makes one
    /// write per window instead of one per frame. On loopback a `send` costs more than everything
    /// else a delivery does, so at moderate rates this is most of a fan-out's CPU.
    public var writeCoalescingWindow: Double = 0
    /// At `maxConnections`, a new connection takes the place of the oldest one on its loop that has
    /// been open this long (seconds) without an answered request or an upgrade: sockets that say
    /// nothing cannot keep members out (a TLS handshake and a request take milliseconds).
    public var staleHandshakeAge: Double = 2
    /// Connections one client address may hold at once (an IPv4 address, or an IPv6 /64; 0 = no
    /// limit): beyond it a connection is answered 429 with `Retry-After` when its request arrives,
    /// before any upgrade work, on up to 16 such connections per address at once (`AddressLimit`);
    /// past those it is closed right after accept. Without it one address that reopens silent
    /// sockets faster than `staleHandshakeAge` could hold every place of `maxConnections`.
    public var maxConnectionsPerAddress = 0
    /// Peers ("ip:port", "[ip6]:port") not held to `maxConnectionsPerAddress`: a reverse proxy in
    /// front, through which every client comes from one address.
    public var exemptFromAddressLimit: (@Sendable (String) -> Bool)?
    /// On a connection from a peer in `exemptFromAddressLimit` (a proxy), the client its request
    /// names (an IPv4 or IPv6 address as text; nil: it names none, and the connection is not
    /// counted), given the request and the peer. A named client is held to
    /// `maxConnectionsPerAddress` as a direct one is, keyed the same way, from the moment its request
    /// arrives until the connection closes: past its share the request is answered 429 with
    /// `Retry-After`, so one client behind the proxy cannot take every place of `maxConnections`.
    public var forwardedClient: (@Sendable (_ request: HTTPRequest, _ peer: String) -> String?)?

    public init(host: String = "127.0.0.1", port: UInt16 = 0, loopCount: Int = TransportConfiguration.coreCount,
                limits: WebSocketLimits = WebSocketLimits(), http: HTTPLimits = HTTPLimits(),
                outboundQueueLimit: Int = 4 * 1024 * 1024, maxConnections: Int = 100_000,
                handshakeTimeout: Double = 10, idleTimeout: Double = 120, pingInterval: Double = 30,
                closeTimeout: Double = 5, tls: TLSConfiguration? = nil,
                upgrade: UpgradeConfiguration = UpgradeConfiguration(), backlog: Int32 = 4096) {
        self.host = host
        self.port = port
        self.loopCount = max(1, loopCount)
        self.limits = limits
        self.http = http
        self.outboundQueueLimit = outboundQueueLimit
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
        self.tls = tls
        self.upgrade = upgrade
        self.backlog = backlog
    }

    /// CPU cores this process may run on (the default loop count).
    public static var coreCount: Int {
        // The CPUs this process may run on (taskset, cpusets), not every CPU online: a server
        // pinned to one core runs best with one loop.
        var mask = [UInt64](repeating: 0, count: 16) // 1,024 CPUs, the kernel's default cpu_set_t
        // Safe: the kernel fills at most `count` bytes of the array's own storage.
        let allowed = mask.withUnsafeMutableBytes { sched_getaffinity(0, $0.count, $0.baseAddress) } == 0
            ? mask.reduce(0) { $0 + $1.nonzeroBitCount } : 0
        return max(1, allowed > 0 ? allowed : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

extension Double {
    /// Seconds → nanoseconds (negative and NaN become 0).
    var nanoseconds: UInt64 { self > 0 ? UInt64(self * 1_000_000_000) : 0 }
}
