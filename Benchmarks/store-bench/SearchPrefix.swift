import ArgumentParser
import Foundation
import TandemStore

/// What a `prefix*` search costs to its first page, for a given prefix index
/// (`StoreConfiguration.searchPrefixIndex`), and what that index costs to build and keep.
/// "1 2 3" or "1,2,3" as lengths; "none" as no lengths.
func prefixLengths(_ text: String) -> [Int] {
    text == "none" ? [] : text.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
}

struct SearchPrefix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-prefix",
        abstract: "Time to the first page of prefix*, word and phrase searches; the index's build CPU and size.",
        discussion: """
            Fills one session with English-like turns (EnglishText) with background indexing off, then times \
            catchUpSearchIndex(): the process's CPU meanwhile is the indexing thread's (the caller only waits). \
            Then each query's first page of 50 hits through Store.searchPage, --queries times a run; medians. \
            --prefix none is the index of the builds before prefix indexes.
            """)
    @OptionGroup var common: Common
    @Option var turns = 500_000
    @Option var queries = 20
    @Option(help: "Prefix lengths of the index, e.g. \"1 2 3\" or \"2,3\"; none: no prefix index (default: the store's).")
    var prefix: String?
    @Option(help: "Keep/reuse this database file (its index is made again for --prefix each run).") var database: String?
    @Option(help: "english: EnglishText; syllables: the `search` bench's TextGenerator (the nineteenth session's audit: its most frequent words start with k); cjk: CJKText (Japanese-like, no spaces); thai: ThaiText (Thai-like, no spaces, combining marks).")
    var words = "english"
    @Option(help: "ordered: each CJK character and Thai, Lao, Khmer, Myanmar cluster a word of the index, Thai and Lao marks in one order (this build); clusters: marks as typed (the build before); cjk: CJK characters only (the builds before that); plain: CJK runs whole words (the builds before those).")
    var index = "ordered"
    @Option(help: "With --from: the first index's --index (plain, cjk or clusters: time the rebuild a server upgraded from that build makes).")
    var fromIndex: String?
    @Option(help: "First index with these prefix lengths (none: as builds before prefix indexes), then time the background rebuild to --prefix and searches during it.")
    var from: String?

    func run() throws {
        let lengths = prefix.map(prefixLengths) ?? StoreConfiguration(path: ":memory:").searchPrefixIndex
        let label = lengths.isEmpty ? "none" : lengths.map(String.init).joined(separator: " ")
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        let path = database ?? bench.path
        if !FileManager.default.fileExists(atPath: path) {
            let store = try openBenchStore(path: path, synchronous: common.synchronous, fts: false) { $0.searchPrefixIndex = lengths }
            var text = EnglishText()
            var syllables = TextGenerator()
            var cjk = CJKText()
            var thai = ThaiText()
            let start = seconds()
            var done = 0
            while done < turns {
                let n = min(10_000, turns - done)
                _ = try store.appendTurns(session: "bench", actor: "u0", (0..<n).map { _ in
                    NewTurn(role: .user, content: words == "syllables" ? syllables.sentence() : words == "cjk" ? cjk.sentence()
                                : words == "thai" ? thai.sentence() : text.sentence(),
                            tokensIn: 10, tokensOut: 20)
                })
                done += n
            }
            print(String(format: "filled %d turns in %.1f s", turns, seconds() - start))
            store.close()
        }
        // The index is derived data: removed, it is built again, here with --prefix.
        for suffix in ["-search", "-search-wal", "-search-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var config = StoreConfiguration(path: path)
        config.synchronous = common.synchronous
        config.indexTurnsForSearch = false
        config.searchPrefixIndex = from.map(prefixLengths) ?? lengths
        Self.use(from != nil ? fromIndex ?? index : index, in: &config)
        let first = try Store(config)
        let cpu0 = cpuSeconds(), wall0 = seconds()
        try first.catchUpSearchIndex()
        let cpu = cpuSeconds() - cpu0
        let size = fileSize(path + "-search") + fileSize(path + "-search-wal")
        print(String(format: "index %@, prefix %@: indexed %d turns in %.1f s, %.2f s CPU (%.2f µs per turn), index %.0f MB (load %.1f)",
                     from != nil ? fromIndex ?? index : index, from ?? label, turns, seconds() - wall0, cpu, cpu / Double(turns) * 1e6, Double(size) / 1e6, loadAverage()))
        let store: Store
        if from != nil {
            first.close()
            config.searchPrefixIndex = lengths
            Self.use(index, in: &config)
            config.indexTurnsForSearch = true
            let cpu1 = cpuSeconds(), wall1 = seconds()
            store = try Store(config)
            // Searches during the rebuild answer from the old index: one every 250 ms, timed (their
            // CPU is in the process's figure too; printed so it can be taken off).
            var during: [Double] = []
            var polls = 0
            while try store.searchIndexProgress().rebuilding {
                if polls % 25 == 0 {
                    let t0 = seconds()
                    _ = try store.searchPage("k*", limit: 50)
                    during.append((seconds() - t0) * 1e3)
                }
                polls += 1
                Thread.sleep(forTimeInterval: 0.01)
            }
            let rebuildCPU = cpuSeconds() - cpu1
            print(String(format: "rebuilt to index %@, prefix %@ in the background in %.1f s, %.2f s CPU (%.2f µs per turn; %d k* searches in it, median %.2f ms), index file now %.0f MB",
                         index, label, seconds() - wall1, rebuildCPU, rebuildCPU / Double(turns) * 1e6, during.count, median(during),
                         Double(fileSize(path + "-search") + fileSize(path + "-search-wal")) / 1e6))
        } else {
            store = first
        }
        defer { store.close() }
        let vocabulary = EnglishText().words
        let plain = vocabulary[40], phrase = vocabulary[0] + " " + vocabulary[150]
        var queryTexts = ["k*", "co*", "con*", "conf*", "the*", "s*", "t*", "s* OR t* OR c* OR p*", plain, "\"\(phrase)\""]
        if words == "cjk" {
            // Runs out of a turn of the same text: two characters (a common word), four, ten.
            var sample = CJKText(seed: 7)
            let run = Array(sample.sentence().filter { !"、。".contains($0) })
            let top = sample.han
            queryTexts = [String(top[0]), String(top[0...1]), String(run[0..<2]), String(run[0..<4]), String(run[0..<10]),
                          "サーバー", "データ OR テスト", "\(String(run[0..<2])) -サーバー", "の", "します",
                          // The worst run a search may hold (SearchQuery.maxRunCharacters): the commonest
                          // characters (every one's postings walked; no turn has it).
                          String(repeating: String(top[0..<8]), count: 8)]
        }
        if words == "thai" {
            // Runs out of a turn of the same text (2, 4, 10 clusters), common words, a rare word.
            var sample = ThaiText(seed: 7)
            let turn = sample.sentence().replacingOccurrences(of: " ", with: "")
            let units = ThaiText.clusters(turn)
            let common = ThaiText.common
            // The worst run a search may hold: 64 clusters of the commonest words (no turn has it).
            var worst: [String] = []
            while worst.count < 64 { worst += ThaiText.clusters(common[worst.count % 10]) }
            queryTexts = [common[0], common[3], common[26], units[0..<2].joined(), units[0..<4].joined(), units[0..<10].joined(),
                          sample.words[3_000], "\(common[24]) OR \(common[28])", "\(common[3]) -\(common[25])",
                          worst.prefix(64).joined()]
        }
        for text in queryTexts {
            var medians: [Double] = []
            var worst: [Double] = []
            var hits = 0
            for _ in 1...common.runs {
                var samples: [Double] = []
                for _ in 0..<queries {
                    let t0 = seconds()
                    hits = try store.searchPage(text, limit: 50).hits.count
                    samples.append((seconds() - t0) * 1e3)
                }
                medians.append(median(samples))
                worst.append(samples.max() ?? 0)
            }
            print(String(format: "prefix %@: %@ first page (%d hits): median %.2f ms, slowest of %d %.2f ms, %d in a row %.0f ms",
                         label, text, hits, median(medians), queries, median(worst), queries, median(medians) * Double(queries)))
        }
    }

    /// The store settings that make an index of `index` (`--index`).
    private static func use(_ index: String, in config: inout StoreConfiguration) {
        config.searchIndexCJKWords = index != "plain"
        config.searchIndexClusterWords = index == "clusters" || index == "ordered"
        config.searchIndexMarkOrder = index == "ordered"
    }
}
