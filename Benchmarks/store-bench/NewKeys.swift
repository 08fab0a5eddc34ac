import ArgumentParser
import Foundation
import Synchronization
import TandemJSON
import TandemStore

/// What the per-session row count costs a `state.put` of a new key: the same puts with the
/// triggers that keep `session_counts` (migration 13) and with the row triggers dropped. The cap
/// check itself (one read of the counts row) runs either way.
struct NewKeys: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new-keys",
                                                    abstract: "Durable state.put of new keys/s, with and without the session-count triggers.")
    @OptionGroup var common: Common
    @Option(help: "New keys written per run.") var keys = 200_000
    @Option(help: "Puts in flight at once (concurrent callers, group commit).") var window = 2_000
    @Option(help: "Keys already in the session before the measured puts.") var prefill = 0

    func run() throws {
        var rates: [String: [Double]] = ["with": [], "without": []]
        var cpu: [String: [Double]] = ["with": [], "without": []]
        for run in 1...common.runs {
            // Alternate which goes first, so neither always gets the warmer machine.
            let order = run % 2 == 1 ? ["with", "without"] : ["without", "with"]
            for mode in order {
                let bench = BenchDatabase(in: common.dir)
                defer { bench.cleanup() }
                let store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: false)
                defer { store.close() }
                if mode == "without" { try dropRowCountTriggers(databaseAt: bench.path) }
                if prefill > 0 { try put(store, from: 0, count: prefill) }
                let (t0, c0) = (seconds(), cpuSeconds())
                try put(store, from: prefill, count: keys)
                let (wall, used) = (seconds() - t0, cpuSeconds() - c0)
                rates[mode]!.append(Double(keys) / wall)
                cpu[mode]!.append(used / Double(keys) * 1e6)
                print(String(format: "run %d %@ triggers: %d new keys in %.2f s = %.0f puts/s, %.2f µs CPU per put (load %.1f)",
                             run, mode, keys, wall, Double(keys) / wall, used / Double(keys) * 1e6, loadAverage()))
            }
        }
        for mode in ["with", "without"] {
            print(String(format: "median %@ triggers: %.0f puts/s, %.2f µs CPU per put", mode, median(rates[mode]!), median(cpu[mode]!)))
        }
    }

    /// Writes keys key-`from` ... as new rows, `window` in flight at a time.
    private func put(_ store: Store, from: Int, count: Int) throws {
        let failures = Atomic<Int>(0)
        var next = from
        while next < from + count {
            let group = DispatchGroup()
            for i in next..<min(from + count, next + window) {
                group.enter()
                let value: JSONValue = ["title": .string("row \(i)"), "items": .array([.integer(Int64(i)), .string("some text")])]
                store.writeRow(session: "bench", actor: "u1", key: "key-\(i)", value: value, baseVersion: 0) { result in
                    if case .failure = result { failures.add(1, ordering: .relaxed) }
                    group.leave()
                }
            }
            group.wait()
            next += window
        }
        guard failures.load(ordering: .relaxed) == 0 else { throw ValidationError("\(failures.load(ordering: .relaxed)) row writes failed") }
    }
}
