import Foundation

/// Deterministic Japanese-like text for search benchmarks: words of one to three of 3,000 Han
/// characters (drawn with a Zipf-like skew, as `EnglishText` draws words), kana particles and
/// endings between them, a Katakana loanword now and then, 、 and 。: 20-60 characters a turn,
/// no spaces. Every character is a word of the index (`SearchText`), so the index holds about
/// as many entries per turn as an English turn of that many words.
struct CJKText {
    private var random: BenchRandom
    /// The Han characters, most frequent first (code points from U+4E00; their meaning is no matter).
    let han: [Character]
    private static let particles = ["の", "に", "を", "は", "が", "で", "と", "も", "から", "まで", "します", "しました", "です", "ました"]
    private static let katakana = ["サーバー", "テスト", "データ", "セッション", "エラー", "コード", "レビュー", "プラン"]

    init(seed: UInt64 = 42) {
        random = BenchRandom(seed: seed)
        han = (0..<3_000).map { Character(Unicode.Scalar(0x4E00 + UInt32($0 * 7 % 20_000))!) }
        ranks = ZipfRanks(count: han.count)
    }

    private let ranks: ZipfRanks

    private mutating func next() -> UInt64 { random.next() }

    /// One Han character, rank r about 1/r as often.
    mutating func character() -> Character { han[ranks.draw(&random)] }

    /// A turn's text.
    mutating func sentence() -> String {
        let target = 20 + Int(next() % 41)
        var out = ""
        while out.count < target {
            if next() % 12 == 0 {
                out += Self.katakana[Int(next() % UInt64(Self.katakana.count))]
            } else {
                for _ in 0...(next() % 3) { out.append(character()) }
            }
            out += Self.particles[Int(next() % UInt64(Self.particles.count))]
            if next() % 6 == 0 { out += next() % 2 == 0 ? "、" : "。" }
        }
        return out
    }
}
