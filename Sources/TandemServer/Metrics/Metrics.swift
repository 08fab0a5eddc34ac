import Synchronization

/// A monotonically increasing count, safe to bump from any thread.
public final class Counter: Sendable {
    public let name: String
    public let help: String
    private let storage = Atomic<Int>(0)

    public init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }

    public func add(_ n: Int = 1) { storage.add(n, ordering: .relaxed) }
    /// For a counter that mirrors a monotonic count kept elsewhere (sampled by one thread).
    public func mirror(_ n: Int) { storage.store(n, ordering: .relaxed) }
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down (connections open, sessions live).
public final class Gauge: Sendable {
    public let name: String
    public let help: String
    private let storage = Atomic<Int>(0)

    public init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }

    public func add(_ n: Int) { storage.add(n, ordering: .relaxed) }
    public func set(_ n: Int) { storage.store(n, ordering: .relaxed) }
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// A histogram with fixed upper bounds (Prometheus `le` buckets), in seconds.
public final class Histogram: Sendable {
    public let name: String
    public let help: String
    public let bounds: [Double]
    private struct State {
        var counts: [Int]
        var sum = 0.0
        var count = 0
    }
    private let state: Mutex<State>

    /// Default bounds suit latencies from 100 µs to 10 s.
    public init(_ name: String, help: String,
                bounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]) {
        self.name = name
        self.help = help
        self.bounds = bounds.sorted()
        self.state = Mutex(State(counts: Array(repeating: 0, count: bounds.count)))
    }

    public func observe(_ seconds: Double) {
        let index = bounds.firstIndex { seconds <= $0 }
        state.withLock { s in
            if let index { s.counts[index] += 1 }
            s.sum += seconds
            s.count += 1
        }
    }

    /// Cumulative bucket counts (one per bound), the sum and the total count.
    public func snapshot() -> (cumulative: [Int], sum: Double, count: Int) {
        state.withLock { s in
            var running = 0
            let cumulative = s.counts.map { running += $0; return running }
            return (cumulative, s.sum, s.count)
        }
    }

    /// The smallest bound below which at least `quantile` of observations fall (nil if none).
    public func quantileUpperBound(_ quantile: Double) -> Double? {
        let snap = snapshot()
        guard snap.count > 0 else { return nil }
        let target = Int((Double(snap.count) * quantile).rounded(.up))
        for (bound, cumulative) in zip(bounds, snap.cumulative) where cumulative >= target { return bound }
        return .infinity
    }
}
