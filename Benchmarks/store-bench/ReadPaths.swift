import ArgumentParser
import Foundation
import TandemStore

/// `history` filtered by author on a big session: the rare author's last turns, a page since a
/// seq and a range, and a common author's last turns, through `Store.turns(author:)`.
struct AuthorHistory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "author-history",
                                                    abstract: "History pages filtered by author on a big session.")
    @OptionGroup var common: Common
    @Option var turns = 1_000_000
    @Option(help: "Reads per shape and run.") var reads = 50
    @Option(help: "One turn in this many is the rare author's.") var rareEvery = 1_000

    func run() throws {
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        let store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: false, writers: 10)
        defer { store.close() }
        let start = seconds()
        var gen = TextGenerator()
        var done = 0
        var batch = 0
        // Runs of rareEvery - 1 turns by u1...u9 in turn, each followed by one turn of u10.
        while done < turns {
            let n = min(rareEvery - 1, turns - done)
            let posts = (0..<n).map { _ in NewTurn(role: .user, content: gen.sentence()) }
            _ = try store.appendTurns(session: "bench", actor: "u\(batch % 9 + 1)", posts)
            done += n
            if done < turns {
                _ = try store.appendTurn(session: "bench", actor: "u10", NewTurn(role: .user, content: gen.sentence()))
                done += 1
            }
            batch += 1
        }
        print(String(format: "filled %d turns (u10: one in %d) in %.1f s, load %.1f", turns, rareEvery, seconds() - start, loadAverage()))
        let middle = Int64(turns / 2)
        let shapes: [(String, () throws -> Int)] = [
            ("rare author, last 50", { try store.turns(session: "bench", actor: "u0", newest: true, limit: 50, author: "u10").count }),
            ("rare author, 50 since the middle", { try store.turns(session: "bench", actor: "u0", after: middle, limit: 50, author: "u10").count }),
            ("rare author, range of 10,000 from the middle", {
                try store.turns(session: "bench", actor: "u0", after: middle, through: middle + 10_000, limit: 50, author: "u10").count }),
            // The walk's worst case: nothing to find, every turn of the session read.
            ("an author with no turns, last 50", { try store.turns(session: "bench", actor: "u0", newest: true, limit: 50, author: "u0").count }),
            ("common author, last 50", { try store.turns(session: "bench", actor: "u0", newest: true, limit: 50, author: "u1").count }),
        ]
        for (label, read) in shapes {
            var medians: [Double] = []
            var got = 0
            for _ in 1...common.runs {
                var samples: [Double] = []
                for _ in 0..<reads {
                    let t0 = seconds()
                    got = try read()
                    samples.append((seconds() - t0) * 1e3)
                }
                medians.append(median(samples))
            }
            print(String(format: "%@ (%d turns): median %.3f ms (runs %@)", label, got, median(medians),
                         medians.map { String(format: "%.3f", $0) }.joined(separator: " / ")))
        }
    }
}

/// Durable writes of new state keys beyond ASCII on a session that already has many such keys:
/// each is checked for a respelling of an existing key on the writer thread.
struct NewKeysBeyondASCII: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new-keys-beyond-ascii",
                                                    abstract: "New non-ASCII state keys on a session with many of them.")
    @OptionGroup var common: Common
    @Option(help: "Keys beyond ASCII the session holds before the timed writes.") var existing = 100_000
    @Option(help: "Timed writes per run, one caller waiting for each.") var writes = 200

    func run() throws {
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        var store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: false)
        store.close()
        let start = seconds()
        // Filled in SQL, not through the store: a build that checks each new key by reading every
        // other one would take O(n²) to fill. A build with `nfc_key` gets it filled by its own
        // function (these keys are in NFC, so it is the key).
        do {
            let db = try Database(path: bench.path)
            try db.execute("""
                BEGIN;
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < \(existing))
                INSERT INTO state_rows(sid, key, version, value, author, updated_at, merged)
                  SELECT 1, 'cl\u{E9}-' || i, 1, '{"n":' || i || '}', 'u1', 0, 0 FROM n;
                COMMIT;
                """)
            if try db.scalar("SELECT count(*) FROM pragma_table_info('state_rows') WHERE name = 'nfc_key'") == 1 {
                try db.execute("UPDATE state_rows SET nfc_key = tandem_key_spelling(key)")
            }
        }
        var config = StoreConfiguration(path: bench.path)
        config.synchronous = common.synchronous
        store = try Store(config)
        defer { store.close() }
        print(String(format: "filled %d keys beyond ASCII in %.1f s, load %.1f", existing, seconds() - start, loadAverage()))
        var medians: [Double] = []
        for run in 1...common.runs {
            var samples: [Double] = []
            for i in 0..<writes {
                let t0 = seconds()
                _ = try store.writeRow(session: "bench", actor: "u1", key: "n\u{E9}w-\(run)-\(i)", value: ["n": .integer(Int64(i))], baseVersion: 0)
                samples.append((seconds() - t0) * 1e3)
            }
            medians.append(median(samples))
            print(String(format: "run %d: %d new keys, median %.3f ms, p99 %.3f ms", run, writes, median(samples), percentile(samples, 0.99)))
        }
        print(String(format: "new key beyond ASCII among %d: median %.3f ms per durable write", existing, median(medians)))
    }
}
