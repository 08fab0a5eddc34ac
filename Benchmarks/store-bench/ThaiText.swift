import Foundation

/// Deterministic Thai-like text for search benchmarks: a 6,000-word vocabulary (about 40 common
/// Thai words, then made-up words of one to three syllables: a consonant, perhaps a leading vowel,
/// a vowel sign above or below, a tone mark, a final consonant), drawn with a Zipf-like skew as
/// `EnglishText` draws words; no spaces inside a phrase, a space between phrases now and then, a
/// number in Thai digits now and then: 20-60 clusters a turn. Every cluster (a letter with its
/// marks) is a word of the index (`SearchText`): there are only some hundreds of distinct ones, so
/// each has long postings, unlike the 3,000 characters of `CJKText`.
struct ThaiText {
    private var random: BenchRandom
    let words: [String]
    private let ranks: ZipfRanks
    static let common = ["ที่", "และ", "การ", "ของ", "ใน", "เป็น", "มี", "ไม่", "ได้", "จะ", "ให้", "ว่า", "คน", "นี้", "กับ",
                         "แล้ว", "ไป", "มา", "ความ", "ก็", "ต้อง", "เรา", "ทำ", "งาน", "ข้อมูล", "ระบบ", "กรุงเทพ",
                         "เซิร์ฟเวอร์", "ทดสอบ", "แก้ไข", "ประชุม", "เมื่อวาน", "วันนี้", "พรุ่งนี้", "ผู้ใช้", "ค้นหา",
                         "ข้อความ", "ตาราง", "รายงาน", "กิน"]

    init(seed: UInt64 = 42) {
        random = BenchRandom(seed: seed)
        let consonants = Array("กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ")
        let leading = Array("เแโใไ")
        let signs: [String] = ["", "", "", "ิ", "ี", "ึ", "ื", "ุ", "ู", "ั", "า", "ะ", "ำ"]
        let tones: [String] = ["", "", "", "่", "้", "๊", "๋"]
        let finals: [String] = ["", "", "น", "ง", "ม", "ก", "ด", "บ", "ย", "ว"]
        // The vocabulary is the same for every seed (as `CJKText`'s characters): a query made from
        // another seed's turn looks for words the corpus has.
        var rng = BenchRandom(seed: 42)
        func next() -> UInt64 { rng.next() }
        func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
        func syllable() -> String {
            var out = next() % 5 == 0 ? String(pick(leading)) : ""
            out.append(consonants[min(consonants.count - 1, Int(next() % 20) + Int(next() % UInt64(consonants.count - 19)))])
            let sign = pick(signs)
            out += sign
            if sign != "ำ" && sign != "ะ" { out += pick(tones) }
            return out + pick(finals)
        }
        var words = Self.common
        var seen = Set(words)
        while words.count < 6_000 {
            let word = (0...(next() % 3)).map { _ in syllable() }.joined()
            if seen.insert(word).inserted { words.append(word) }
        }
        self.words = words
        ranks = ZipfRanks(count: words.count)
    }

    private mutating func next() -> UInt64 { random.next() }

    /// One word, rank r about 1/r as often.
    mutating func word() -> String { words[ranks.draw(&random)] }

    /// A turn's text.
    mutating func sentence() -> String {
        let target = 20 + Int(next() % 41)
        var out = ""
        var clusters = 0
        while clusters < target {
            let word = next() % 25 == 0 ? String(next() % 3000).map { digit in
                Character(Unicode.Scalar(0x0E50 + UInt32(digit.wholeNumberValue!))!)
            }.reduce(into: "") { $0.append($1) } : word()
            out += word
            clusters += Self.clusters(word).count
            if next() % 7 == 0 { out += " " }
        }
        return out
    }

    /// `text`'s clusters as the index makes them (a letter and the Thai marks after it).
    static func clusters(_ text: String) -> [String] {
        var out: [String] = []
        for scalar in text.unicodeScalars {
            let mark = scalar.value == 0x0E31 || (0x0E33...0x0E3A).contains(scalar.value) || (0x0E47...0x0E4E).contains(scalar.value)
            if mark, !out.isEmpty { out[out.count - 1].unicodeScalars.append(scalar) } else { out.append(String(scalar)) }
        }
        return out
    }
}
