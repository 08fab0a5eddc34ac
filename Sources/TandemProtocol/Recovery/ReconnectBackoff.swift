/// Reconnect delays as docs/protocol.md prescribes: start at 1 s, double up to 60 s, ±20 % jitter; reset
/// once a connection has stayed up `healthySeconds`. Close codes advising `reconnectNow` skip the wait.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initialSeconds: Double = 1
    public var maximumSeconds: Double = 60
    public var jitter: Double = 0.2
    /// Failed attempts since the last healthy connection.
    public private(set) var attempts = 0

    public init() {}

    /// The delay before the next attempt after a close with `code` (nil: the connection dropped without a
    /// close frame), or nil when the client must not reconnect. `random` yields values in 0...1.
    public mutating func nextDelay(after code: CloseCode?, random: () -> Double = { Double.random(in: 0...1) }) -> Double? {
        switch code?.advice ?? .reconnectWithBackoff {
        case .stop: return nil
        case .reconnectNow:
            attempts = 0
            return 0
        case .reconnectWithBackoff:
            var base = min(maximumSeconds, initialSeconds * Double(1 << min(attempts, 30)))
            if code == .rateAbuse { base = max(base, 5) }
            attempts += 1
            return base * (1 - jitter + 2 * jitter * random())
        }
    }

    /// How long a joined connection must last to count as healthy. Long enough that a server accepting
    /// joins and dropping them at once is still backed off; short enough that a restart soon after a long
    /// outage does not wait the outage's full delay.
    public static let healthySeconds: Double = 10

    /// Call when a joined connection ends: one that lasted `healthySeconds` starts the delays over.
    public mutating func connectionEnded(afterLasting seconds: Double) {
        if seconds >= Self.healthySeconds { attempts = 0 }
    }
}
