/// Reconnect delays as docs/protocol.md prescribes: start at 1 s, double up to 60 s, ±20 % jitter; reset
/// after a healthy minute. Close codes advising `reconnectNow` skip the wait.
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

    /// Call once a connection has stayed healthy for a minute.
    public mutating func connectionHealthy() { attempts = 0 }
}
