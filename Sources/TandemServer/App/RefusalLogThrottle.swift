/// Which refusals or failures get a log line of their own: the first `perWindow` of each key in each
/// window; the rest are counted and told in one line when the key's next window starts (or, for a
/// key that falls silent, by `flush` once the window has ended). A client retrying a bad token in a
/// loop wrote one info line per attempt (500 lines in 0.2 s).
/// Keyed by client address for refused handshakes; the dispatcher keys it by storage failure for
/// refused writes (disk full) and by error text for internal errors, whose references it passes as
/// notes so that the summary names the first and last left out.
/// Pure logic: the caller holds it under a lock and passes the time.
struct RefusalLogThrottle {
    /// What one key had left out in a window that has ended.
    struct Suppressed: Equatable {
        var client: String
        var count: Int
        /// The note of the first and of the last left out (for internal errors: their references).
        var firstNote: String? = nil
        var lastNote: String? = nil
    }

    /// What to log for one refusal.
    struct Verdict: Equatable {
        /// Log this refusal itself.
        var logIt: Bool
        /// Refusals left out in earlier windows, to tell in a summary line each.
        var suppressed: [Suppressed]
    }

    let perWindow: Int
    let window: Double
    /// Keys tracked in one window; past it every new key shares one count (a flood from many
    /// addresses must not grow this without bound).
    let maxClients: Int
    /// What `maxClients` keys past the limit share, and are told under.
    let othersKey: String
    private var windowStart = -Double.infinity
    private var counts: [String: Suppressed] = [:]

    init(perWindow: Int = 10, window: Double = 10, maxClients: Int = 10_000, othersKey: String = "(other addresses)") {
        self.perWindow = perWindow
        self.window = window
        self.maxClients = maxClients
        self.othersKey = othersKey
    }

    /// Counts one refusal of `client` at `now`; `note` is kept if it is left out (the first and the
    /// last such of the window are told with the count).
    mutating func refused(client: String, now: Double, note: String? = nil) -> Verdict {
        var suppressed: [Suppressed] = []
        if now - windowStart >= window {
            suppressed = rollOver(now: now)
        }
        let key = counts[client] != nil || counts.count < maxClients ? client : othersKey
        var entry = counts[key] ?? Suppressed(client: key, count: 0)
        entry.count += 1
        let logIt = key != othersKey && entry.count <= perWindow
        if !logIt {
            if entry.firstNote == nil { entry.firstNote = note }
            entry.lastNote = note
        }
        counts[key] = entry
        return Verdict(logIt: logIt, suppressed: suppressed)
    }

    /// The counts left out in a window that has ended, to tell now (a timer calls this once a
    /// second): without it, a flood that stopped was told only at the next refusal, maybe hours
    /// later and under that time, or never. Empty while the window lasts.
    mutating func flush(now: Double) -> [Suppressed] {
        guard now - windowStart >= window, !counts.isEmpty else { return [] }
        let suppressed = rollOver(now: now)
        // The next refusal starts a window of its own.
        windowStart = -Double.infinity
        return suppressed
    }

    private mutating func rollOver(now: Double) -> [Suppressed] {
        let suppressed = counts.values.compactMap { entry -> Suppressed? in
            if entry.client == othersKey { return entry }
            guard entry.count > perWindow else { return nil }
            var left = entry
            left.count -= perWindow
            return left
        }.sorted { $0.client < $1.client }
        counts = [:]
        windowStart = now
        return suppressed
    }
}
