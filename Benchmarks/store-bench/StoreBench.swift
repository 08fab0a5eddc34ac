import ArgumentParser
import Foundation
import Synchronization
import TandemJSON
import TandemStore

/// Benchmarks of the session store. Every subcommand prints one result line per run and the
/// median of `--runs` runs. Build with `swift build -c release` for meaningful numbers.
@main
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-store-bench",
        abstract: "Session store benchmarks.",
        subcommands: [Append.self, AppendSingle.self, Ceiling.self, ReadLast.self, Search.self, RowMerge.self, BigState.self, NewKeys.self,
                      AuthorHistory.self, NewKeysBeyondASCII.self, WriterHold.self, SearchPrefix.self])
}

struct Common: ParsableArguments {
    @Option(help: "Runs; the median is reported.") var runs = 3
    @Option(help: "normal or full.") var sync = "normal"
    @Option(help: "Directory for the temporary database files.") var dir: String?

    var synchronous: SynchronousMode { sync.lowercased() == "full" ? .full : .normal }
}

/// Many concurrent callers, group commit: `window` appends in flight at once.
struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Durable appends/s with group commit (many concurrent callers).")
    @OptionGroup var common: Common
    @Option(help: "Turns to append per run.") var turns = 300_000
    @Option(help: "Appends in flight at once (concurrent callers).") var window = 4096
    @Option(help: "Turns per append call.") var batch = 1
    @Option(help: "Index turns for full-text search in the writer's idle time (on/off; appends never index).") var fts = "on"
    @Option(help: "Sessions the appends are spread over, round-robin (1,000 is issue #4's 1000x10 shape).") var sessions = 1
    @Option(help: "The database file's auto_vacuum: none (what the store makes) or incremental (a file tandem-admin compact converted: it gives freed pages back online, and keeps pointer-map pages up to date on every write).") var autoVacuum = "none"
    @Option(help: "Prefix lengths of the search index, e.g. \"1 2 3\"; none: no prefix index (default: the store's).") var prefix: String?

    func run() throws {
        var rates: [Double] = []
        var cpuRates: [Double] = []
        var indexedRates: [Double] = []
        for run in 1...common.runs {
            let db = BenchDatabase(in: common.dir)
            defer { db.cleanup() }
            if autoVacuum == "incremental" {
                // Made before the store opens it, as Store.compact converts a file: one VACUUM.
                let raw = try Database(path: db.path)
                try raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
                try raw.execute("VACUUM")
            }
            let store = try openBenchStore(path: db.path, synchronous: common.synchronous, fts: fts == "on", writers: 8,
                                           sessions: sessions) { config in
                if let prefix { config.searchPrefixIndex = prefixLengths(prefix) }
            }
            let sessionIDs = (0..<max(1, sessions)).map(benchSessionID)
            let mode = try store.read { db throws(StoreError) in try db.scalar("PRAGMA auto_vacuum") ?? -1 }
            print("auto_vacuum \(mode == 2 ? "incremental" : mode == 0 ? "none" : "\(mode)")")
            var gen = TextGenerator(seed: UInt64(run))
            let texts = (0..<1024).map { _ in gen.sentence() }
            let permits = DispatchSemaphore(value: window)
            let failures = Atomic<Int>(0)
            let calls = turns / batch
            let batchesBefore = store.writer.batches
            let cpuStart = cpuSeconds()
            let start = seconds()
            for i in 0..<calls {
                permits.wait()
                let newTurns = (0..<batch).map { j in NewTurn(role: .user, content: texts[(i + j) & 1023], tokensIn: 5, tokensOut: 7) }
                store.appendTurns(session: sessionIDs[i % sessionIDs.count], actor: "u\(1 + i % 8)", newTurns) { result in
                    if case .failure = result { failures.add(1, ordering: .relaxed) }
                    permits.signal()
                }
            }
            for _ in 0..<window { permits.wait() }
            let elapsed = seconds() - start
            let cpu = cpuSeconds() - cpuStart
            // libdispatch traps when a semaphore is freed below its initial value.
            for _ in 0..<window { permits.signal() }
            let rate = Double(calls * batch) / elapsed
            rates.append(rate)
            let txns = store.writer.batches - batchesBefore
            // Not part of the append figure: how long until search needs no catch-up (the writer
            // indexes what the burst left), and the rate counting that time too.
            let behind = try store.searchIndexProgress()
            let indexStart = seconds()
            let indexCPUStart = cpuSeconds()
            try store.catchUpSearchIndex()
            let indexElapsed = seconds() - indexStart
            let indexCPU = cpuSeconds() - indexCPUStart
            indexedRates.append(Double(calls * batch) / (elapsed + indexElapsed))
            cpuRates.append(Double(calls * batch) / cpu)
            print(String(format: "append run %d: %d turns in %.3f s = %.0f durable turns/s, %.0f turns per CPU-second (%d transactions, %.0f turns/commit, failures %d, sync %@, fts %@, window %d, batch %d, sessions %d, load %.1f); %d turns left to index, indexed in %.3f s (%.3f CPU-s) after: %.0f turns/s appended and indexed",
                         run, calls * batch, elapsed, rate, cpuRates.last!, txns, Double(calls * batch) / Double(max(1, txns)),
                         failures.load(ordering: .relaxed), common.sync, fts, window, batch, sessions, loadAverage(),
                         behind.latestTurn - behind.indexedThrough, indexElapsed, indexCPU, indexedRates.last!))
            store.close()
        }
        print(String(format: "append median: %.0f durable turns/s, %.0f turns per CPU-second; %.0f turns/s appended and indexed",
                     median(rates), median(cpuRates), median(indexedRates)))
    }
}

/// One caller that waits for each append to be durable before the next.
struct AppendSingle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append-single", abstract: "Durable appends/s, one caller waiting for each.")
    @OptionGroup var common: Common
    @Option var turns = 20_000
    @Option(help: "Turns per append call.") var batch = 1

    func run() throws {
        var rates: [Double] = []
        for run in 1...common.runs {
            let db = BenchDatabase(in: common.dir)
            defer { db.cleanup() }
            let store = try openBenchStore(path: db.path, synchronous: common.synchronous, fts: true)
            var gen = TextGenerator(seed: UInt64(run))
            let start = seconds()
            for _ in 0..<(turns / batch) {
                _ = try store.appendTurns(session: "bench", actor: "u1", (0..<batch).map { _ in NewTurn(role: .user, content: gen.sentence()) })
            }
            let elapsed = seconds() - start
            rates.append(Double(turns) / elapsed)
            print(String(format: "append-single run %d: %.0f durable turns/s (batch %d, sync %@)", run, rates.last!, batch, common.sync))
            store.close()
        }
        print(String(format: "append-single median: %.0f durable turns/s", median(rates)))
    }
}

/// The ceiling: plain SQLite inserts of the same rows in one transaction, no store logic.
struct Ceiling: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Plain SQLite inserts in one transaction (the ceiling).")
    @OptionGroup var common: Common
    @Option var turns = 300_000
    @Option(help: "Also insert into an FTS5 index (on/off).") var fts = "off"

    func run() throws {
        var rates: [Double] = []
        var cpuRates: [Double] = []
        for run in 1...common.runs {
            let bench = BenchDatabase(in: common.dir)
            defer { bench.cleanup() }
            let db = try Database(path: bench.path, synchronous: common.synchronous)
            try db.execute("""
                CREATE TABLE turns(id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL,
                  author TEXT NOT NULL, content TEXT NOT NULL, metadata TEXT NOT NULL, tokens_in INTEGER NOT NULL,
                  tokens_out INTEGER NOT NULL, created_at INTEGER NOT NULL, state INTEGER NOT NULL, event_seq INTEGER NOT NULL);
                CREATE UNIQUE INDEX turns_sid_seq ON turns(sid, seq);
                CREATE VIRTUAL TABLE turns_fts USING fts5(content, content='turns', content_rowid='id');
                """)
            var gen = TextGenerator(seed: UInt64(run))
            let texts = (0..<1024).map { _ in gen.sentence() }
            let cpuStart = cpuSeconds()
            let start = seconds()
            try db.transaction { () throws(StoreError) in
                for i in 0..<turns {
                    try db.run("INSERT INTO turns(sid, seq, role, author, content, metadata, tokens_in, tokens_out, created_at, state, event_seq) VALUES (1,?,'user','u1',?,'{}',5,7,?,0,?)",
                               [.int(i + 1), .text(texts[i & 1023]), .integer(1_700_000_000_000), .int(i + 1)])
                    if fts == "on" {
                        try db.run("INSERT INTO turns_fts(rowid, content) VALUES (?, ?)", [.integer(db.lastInsertRowID), .text(texts[i & 1023])])
                    }
                }
            }
            let elapsed = seconds() - start
            rates.append(Double(turns) / elapsed)
            cpuRates.append(Double(turns) / (cpuSeconds() - cpuStart))
            print(String(format: "ceiling run %d: %d rows in %.3f s = %.0f rows/s, %.0f rows per CPU-second (one transaction, fts %@, load %.1f)",
                         run, turns, elapsed, rates.last!, cpuRates.last!, fts, loadAverage()))
        }
        print(String(format: "ceiling median: %.0f rows/s, %.0f rows per CPU-second", median(rates), median(cpuRates)))
    }
}

/// Last-100 read latency on a session of `turns` turns, through `Store.lastTurns`.
struct ReadLast: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read-last", abstract: "Last-N read latency on a big session; also search.")
    @OptionGroup var common: Common
    @Option var turns = 1_000_000
    @Option var count = 100
    @Option var reads = 2000
    @Option(help: "Keep/reuse this database file instead of a temporary one.") var database: String?

    func run() throws {
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        let store = try BigSession.open(path: database ?? bench.path, turns: turns, synchronous: common.synchronous)
        defer { store.close() }
        var medians: [Double] = []
        for run in 1...common.runs {
            var samples: [Double] = []
            for _ in 0..<reads {
                let t0 = seconds()
                let got = try store.lastTurns(session: "bench", actor: "u0", count: count)
                samples.append((seconds() - t0) * 1e6)
                precondition(got.count == count)
            }
            medians.append(median(samples))
            print(String(format: "read-last run %d: last %d of %d turns: median %.1f µs, p99 %.1f µs", run, count, turns, median(samples), percentile(samples, 0.99)))
        }
        print(String(format: "read-last median: %.1f µs", median(medians)))
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Full-text search latency over a big session.")
    @OptionGroup var common: Common
    @Option var turns = 1_000_000
    @Option var queries = 20
    @Option(help: "Keep/reuse this database file instead of a temporary one.") var database: String?
    @Option(help: "FTS5 automerge of the index (default: the store's).") var automerge: Int?
    @Option(help: "Seconds to leave the store idle before the queries (it merges index segments then).") var idle: Double = 0
    @Option(help: "Search as this user, as session.search does (a user in none of the sessions: what an outsider's search costs).") var member: String?
    @Option(help: "Index entries one page may examine (the store's maxSearchScan; a large number: unbounded, as before the limit).") var scan: Int?

    func run() throws {
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        let store = try BigSession.open(path: database ?? bench.path, turns: turns, synchronous: common.synchronous) { config in
            if let automerge { config.searchIndexAutomerge = automerge }
            if let scan { config.maxSearchScan = scan }
        }
        defer { store.close() }
        if idle > 0 { Thread.sleep(forTimeInterval: idle) }
        let gen = TextGenerator()
        for (label, text) in [("rare word", gen.rareWord), ("common word", gen.commonWord), ("two words", gen.commonWord + " " + gen.rareWord)] {
            var medians: [Double] = []
            var hits = 0
            for _ in 1...common.runs {
                var samples: [Double] = []
                for _ in 0..<queries {
                    let t0 = seconds()
                    hits = try store.search(text, member: member, limit: 50).count
                    samples.append((seconds() - t0) * 1e3)
                }
                medians.append(median(samples))
            }
            print(String(format: "search %@ (%@) over %d turns, top 50 (%d hits): median %.2f ms", label, text, turns, hits, median(medians)))
        }
    }
}

enum BigSession {
    /// Opens `path`, filling it with `turns` turns when it does not hold them yet.
    static func open(path: String, turns: Int, synchronous: SynchronousMode,
                     configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> Store {
        if FileManager.default.fileExists(atPath: path) {
            var config = StoreConfiguration(path: path)
            config.synchronous = synchronous
            configure(&config)
            let store = try Store(config)
            if (try? store.session(id: "bench").lastTurnSeq) == Int64(turns) {
                // A file from an older build is migrated with an empty index: wait for it here,
                // not in the first timed query.
                let start = seconds()
                let behind = try store.searchIndexProgress()
                try store.catchUpSearchIndex()
                if !behind.isCaughtUp {
                    print(String(format: "indexed %d turns left unindexed in %.1f s", behind.latestTurn - behind.indexedThrough, seconds() - start))
                }
                // An index of an earlier layout is rebuilt in the background: not during the queries.
                if behind.rebuilding {
                    while try store.searchIndexProgress().rebuilding { Thread.sleep(forTimeInterval: 0.05) }
                    print(String(format: "rebuilt the index of an earlier layout in %.1f s", seconds() - start))
                }
                return store
            }
            store.close()
            throw ValidationError("\(path) exists but does not hold a \(turns)-turn bench session")
        }
        let store = try openBenchStore(path: path, synchronous: synchronous, fts: true, configure: configure)
        var gen = TextGenerator()
        let start = seconds()
        try fill(store, count: turns, generator: &gen)
        let filled = seconds() - start
        try store.catchUpSearchIndex()
        print(String(format: "filled %d turns in %.1f s (%.0f turns/s in batches of 10,000), indexed %.1f s later, file %.0f MB",
                     turns, filled, Double(turns) / filled, seconds() - start - filled, Double(fileSize(path)) / 1e6))
        return store
    }
}

/// Row writes that always merge: two writers alternate on disjoint keys of one object, each
/// from a stale base.
struct RowMerge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "row-merge", abstract: "Row write latency: applied vs three-way merged.")
    @OptionGroup var common: Common
    @Option var writes = 5000
    @Option(help: "Keys in the row object.") var keys = 50

    func run() throws {
        for run in 1...common.runs {
            let bench = BenchDatabase(in: common.dir)
            defer { bench.cleanup() }
            let store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: true, writers: 2)
            defer { store.close() }
            var object: [String: JSONValue] = [:]
            for k in 0..<keys { object["k\(k)"] = .string("line one\nline two\nvalue \(k)") }
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: .object(object), baseVersion: 0)
            var applied: [Double] = []
            var merged: [Double] = []
            for i in 0..<writes {
                let current = try store.stateRow(session: "bench", actor: "u1", key: "doc")!
                var mine = current.value.objectValue!
                mine["k\(i % keys)"] = .string("line one\nline two\nedit \(i)")
                // Half the writes are based on the version before the current one: they merge.
                let stale = i % 2 == 1 && current.version > 1
                let base = stale ? current.version - 1 : current.version
                if stale {
                    var old = try store.stateRow(session: "bench", actor: "u1", key: "doc", version: base)!.value.objectValue!
                    old["k\((i + keys / 2) % keys)"] = .string("line one\nline 2\nother \(i)")
                    mine = old
                }
                let t0 = seconds()
                let result = try store.writeRow(session: "bench", actor: stale ? "u2" : "u1", key: "doc", value: .object(mine), baseVersion: base)
                let us = (seconds() - t0) * 1e6
                switch result {
                case .applied: applied.append(us)
                case .merged: merged.append(us)
                case .conflict: break
                }
            }
            print(String(format: "row-merge run %d: %d-key object, applied %d writes median %.0f µs, merged %d writes median %.0f µs (sync %@)",
                         run, keys, applied.count, median(applied), merged.count, median(merged), common.sync))
        }
    }
}
