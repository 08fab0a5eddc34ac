import Foundation
import TandemStore

/// Wall-clock seconds since an arbitrary start.
func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU seconds (user + system) used by this process so far: a load-independent cost measure on a
/// shared machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// The 1-minute load average, printed with results: other work on the machine skews wall time.
func loadAverage() -> Double {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) > 0 ? loads[0] : -1
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
}

/// The benchmarks' random numbers: a 64-bit linear congruential generator (Knuth's MMIX
/// constants), so one seed gives the same corpus on every run and machine.
struct BenchRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}

/// Zipf-like ranks over `count` items: rank exp(u · ln count) − 1 for u uniform in [0, 1), so rank r
/// comes up about 1/r as often (the text corpora's word and character skew).
struct ZipfRanks {
    let count: Int
    private let logCount: Double

    init(count: Int) {
        self.count = count
        logCount = log(Double(count))
    }

    func draw(_ random: inout BenchRandom) -> Int {
        let u = Double(random.next() % 1_000_000) / 1_000_000
        return min(count - 1, Int(exp(u * logCount)) - 1)
    }
}

/// Deterministic text: sentences from a 1,728-word vocabulary, so search has common and rare words.
struct TextGenerator {
    private var random: BenchRandom
    private let words: [String]

    init(seed: UInt64 = 42) {
        random = BenchRandom(seed: seed)
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi"]
        var w: [String] = []
        for a in syllables { for b in syllables { for c in syllables.prefix(14) { w.append(a + b + c) } } }
        words = Array(w.prefix(2000))
    }

    mutating func next() -> UInt64 { random.next() }

    /// A sentence of `count` words; word i is chosen with a skew toward the first words.
    mutating func sentence(_ count: Int = 12) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for _ in 0..<count {
            let n = words.count
            let r = Int(next() % UInt64(n))
            let skewed = (r * r) / n
            parts.append(words[skewed])
        }
        return parts.joined(separator: " ")
    }

    var commonWord: String { words[0] }
    // Index n-2 is drawn only when r = n-1 (the skew never reaches n-1): about 0.7% of turns.
    var rareWord: String { words[words.count - 2] }
}

/// A fresh database file in a temporary directory, removed on `cleanup`.
struct BenchDatabase {
    let dir: String
    var path: String { dir + "/bench.db" }

    init(in parent: String?) {
        let base = parent ?? NSTemporaryDirectory()
        dir = base + "/tandem-store-bench-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }
}

/// Opens a store with one session "bench" owned by "u0" and `writers` more members with write;
/// with `sessions` > 1, also "bench-1" ... "bench-(sessions-1)" with the same members.
func openBenchStore(path: String, synchronous: SynchronousMode, fts: Bool, writers: Int = 1, sessions: Int = 1,
                    configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> Store {
    var config = StoreConfiguration(path: path)
    config.synchronous = synchronous
    config.indexTurnsForSearch = fts
    // All sessions are u0's: a run over more of them than the per-user quota must not stop there.
    config.maxSessionsPerUser = max(config.maxSessionsPerUser, sessions)
    configure(&config)
    let store = try Store(config)
    _ = try store.createUser(id: "u0", displayName: "Bench")
    for i in 1...max(1, writers) {
        _ = try store.createUser(id: "u\(i)", displayName: "Writer \(i)")
    }
    for s in 0..<max(1, sessions) {
        let id = benchSessionID(s)
        _ = try store.createSession(id: id, title: "benchmark session \(s)", owner: "u0")
        for i in 1...max(1, writers) {
            try store.setMember(session: id, actor: "u0", user: "u\(i)", role: .write)
        }
    }
    return store
}

/// Drops the triggers that count a session's state rows (`session_counts`, migration 13), to
/// measure what they cost. Another connection drops them; the store's statements re-prepare on
/// the schema change. The cap check still runs (it reads a count that then stays 0).
func dropRowCountTriggers(databaseAt path: String) throws {
    let db = try Database(path: path)
    try db.execute("DROP TRIGGER session_counts_row_added; DROP TRIGGER session_counts_row_removed")
}

/// The id of bench session `index` ("bench" for 0).
func benchSessionID(_ index: Int) -> String { index == 0 ? "bench" : "bench-\(index)" }

/// Fills the bench session with `count` turns in batches of 10,000 (through the store, indexed).
func fill(_ store: Store, count: Int, generator: inout TextGenerator) throws {
    var done = 0
    while done < count {
        let n = min(10_000, count - done)
        let turns = (0..<n).map { i in NewTurn(role: i % 2 == 0 ? .user : .assistant, content: generator.sentence(), tokensIn: 10, tokensOut: 20) }
        _ = try store.appendTurns(session: "bench", actor: "u0", turns)
        done += n
    }
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}
