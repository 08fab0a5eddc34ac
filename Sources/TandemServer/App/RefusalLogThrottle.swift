/// Which refused handshakes get a log line of their own: the first `perWindow` of each client address
/// in each window; the rest are counted and told in one line when the address's next window starts
/// (or, for an address that falls silent, by `flush` once the window has ended). A client
/// retrying a bad token in a loop wrote one info line per attempt (500 lines in 0.2 s).
/// The dispatcher keys it by storage failure instead of address for refused writes (disk full).
/// Pure logic: the caller holds it under a lock and passes the time.
struct RefusalLogThrottle {
    /// What to log for one refusal.
    struct Verdict: Equatable {
        /// Log this refusal itself.
        var logIt: Bool
        /// Refusals left out in earlier windows: (client, how many), to tell in a summary line.
        var suppressed: [(client: String, count: Int)]

        static func == (a: Verdict, b: Verdict) -> Bool {
            a.logIt == b.logIt && a.suppressed.map(\.client) == b.suppressed.map(\.client)
                && a.suppressed.map(\.count) == b.suppressed.map(\.count)
        }
    }

    let perWindow: Int
    let window: Double
    /// Addresses tracked in one window; past it every new address shares one count (a flood from
    /// many addresses must not grow this without bound).
    let maxClients: Int
    private var windowStart = -Double.infinity
    private var counts: [String: Int] = [:]
    private static let others = "(other addresses)"

    init(perWindow: Int = 10, window: Double = 10, maxClients: Int = 10_000) {
        self.perWindow = perWindow
        self.window = window
        self.maxClients = maxClients
    }

    mutating func refused(client: String, now: Double) -> Verdict {
        var suppressed: [(client: String, count: Int)] = []
        if now - windowStart >= window {
            suppressed = rollOver(now: now)
        }
        let key = counts[client] != nil || counts.count < maxClients ? client : Self.others
        counts[key, default: 0] += 1
        return Verdict(logIt: key != Self.others && counts[key]! <= perWindow, suppressed: suppressed)
    }

    /// The counts left out in a window that has ended, to tell now (a timer calls this once a
    /// second): without it, a flood that stopped was told only at the next refusal, maybe hours
    /// later and under that time, or never. Empty while the window lasts.
    mutating func flush(now: Double) -> [(client: String, count: Int)] {
        guard now - windowStart >= window, !counts.isEmpty else { return [] }
        let suppressed = rollOver(now: now)
        // The next refusal starts a window of its own.
        windowStart = -Double.infinity
        return suppressed
    }

    private mutating func rollOver(now: Double) -> [(client: String, count: Int)] {
        let suppressed = counts.compactMap { client, count -> (client: String, count: Int)? in
            if client == Self.others { return (client, count) }
            return count > perWindow ? (client, count - perWindow) : nil
        }.sorted { $0.client < $1.client }
        counts = [:]
        windowStart = now
        return suppressed
    }
}
