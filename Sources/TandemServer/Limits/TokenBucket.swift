/// A token bucket: `capacity` tokens, refilled at `ratePerSecond`. A request takes one token;
/// with none left it is refused (never silently dropped or delayed). A plain value: the owner
/// supplies the clock, so tests are exact.
public struct TokenBucket: Sendable {
    public let capacity: Double
    public let ratePerSecond: Double
    private var tokens: Double
    private var lastRefill: Double

    /// - Parameter now: the current time in seconds on any monotonic clock.
    public init(capacity: Double, ratePerSecond: Double, now: Double) {
        self.capacity = capacity
        self.ratePerSecond = ratePerSecond
        self.tokens = capacity
        self.lastRefill = now
    }

    /// Takes `cost` tokens if available and says whether it did.
    public mutating func take(_ cost: Double = 1, now: Double) -> Bool {
        refill(now: now)
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }

    /// Seconds until `cost` tokens will be available (0 if they are now).
    public mutating func secondsUntilAvailable(_ cost: Double = 1, now: Double) -> Double {
        refill(now: now)
        return tokens >= cost ? 0 : (cost - tokens) / ratePerSecond
    }

    /// Puts back `cost` tokens taken earlier (never above `capacity`): a use that turned out not
    /// to count, such as an authentication that succeeded.
    public mutating func giveBack(_ cost: Double = 1, now: Double) {
        refill(now: now)
        tokens = min(capacity, tokens + cost)
    }

    /// Whether every token is there (the bucket is as if never used).
    public mutating func isFull(now: Double) -> Bool {
        refill(now: now)
        return tokens >= capacity
    }

    private mutating func refill(now: Double) {
        // A clock that steps backwards must not mint tokens or stall refills forever.
        let elapsed = max(0, now - lastRefill)
        tokens = min(capacity, tokens + elapsed * ratePerSecond)
        lastRefill = max(lastRefill, now)
    }
}
