import Foundation

/// Deterministic English-like text for search benchmarks: a 30,000-word vocabulary (about 150
/// common English words, then made-up words whose first letters follow English's: many start
/// with s, c, p, t, few with k, q, z), drawn with a Zipf-like skew (word rank r about 1/r as
/// often), 8-24 words a turn. So `t*` matches most turns, `k*` a few percent, `co*` and `con*`
/// what they would in English prose, and a rare word a handful.
struct EnglishText {
    private var random: BenchRandom
    let words: [String]
    private let ranks: ZipfRanks

    init(seed: UInt64 = 42) {
        random = BenchRandom(seed: seed)
        let common = """
            the of and to a in is it that for you was with on as have be at this are not but by from or we they an will one all \
            would there their what so up out if about who get which go me when make can like time no just him know take people \
            into year your good some could them see other than then now look only come its over think also back after use two how \
            our work first well way even new want because any these give day most us config connection content commit context \
            control code key keep kind kernel cache server session search query index value change check client close count \
            data date default delete design error event field file find fix format
            """.split(separator: " ").map(String.init)
        let onsets: [(String, Int)] = [("s", 11), ("c", 9), ("p", 8), ("t", 7), ("b", 6), ("d", 6), ("m", 6), ("r", 6), ("f", 5),
                                       ("h", 4), ("l", 4), ("g", 3), ("w", 3), ("n", 3), ("st", 3), ("pr", 3), ("tr", 2), ("cr", 1),
                                       ("sh", 2), ("ch", 2), ("br", 1), ("gr", 1), ("k", 1), ("j", 1), ("v", 2), ("", 5), ("qu", 1),
                                       ("sp", 1), ("fl", 1), ("pl", 1), ("cl", 1), ("y", 1), ("z", 1)]
        let inner: [(String, Int)] = [("", 1)] + onsets.prefix(20)
        let vowels: [(String, Int)] = [("a", 8), ("e", 10), ("i", 7), ("o", 7), ("u", 3), ("ea", 1), ("ou", 1), ("io", 1), ("ai", 1)]
        let codas: [(String, Int)] = [("", 6), ("n", 5), ("r", 4), ("t", 4), ("s", 3), ("l", 3), ("nt", 2), ("st", 1), ("ng", 2),
                                      ("ck", 1), ("m", 2), ("d", 2), ("ct", 1), ("rd", 1), ("x", 1)]
        var words = common
        var seen = Set(common)
        var rng = BenchRandom(seed: seed)
        func next() -> UInt64 { rng.next() }
        func pick(_ table: [(String, Int)]) -> String {
            var r = Int(next() % UInt64(table.reduce(0) { $0 + $1.1 }))
            for (text, weight) in table {
                if r < weight { return text }
                r -= weight
            }
            return table[0].0
        }
        while words.count < 30_000 {
            let syllables = 1 + Int(next() % 3)
            var word = ""
            for i in 0..<syllables {
                word += pick(i == 0 || next() % 2 == 1 ? onsets : inner) + pick(vowels) + (i == syllables - 1 ? pick(codas) : "")
            }
            if word.count >= 2 && seen.insert(word).inserted { words.append(word) }
        }
        self.words = words
        random = rng
        ranks = ZipfRanks(count: words.count)
    }

    private mutating func next() -> UInt64 { random.next() }

    /// One word: rank exp(u · ln N) − 1 for u uniform in [0, 1), so rank r comes up about 1/r as often.
    mutating func word() -> String { words[ranks.draw(&random)] }

    /// A turn's text: 8-24 words.
    mutating func sentence() -> String {
        let count = 8 + Int(next() % 17)
        return (0..<count).map { _ in word() }.joined(separator: " ")
    }
}
