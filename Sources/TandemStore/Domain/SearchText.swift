/// How text is prepared for the full-text indexes so that scripts written without spaces can be
/// searched: every Han, Hiragana, Katakana and Hangul-syllable character becomes a word of its own.
///
/// FTS5's `unicode61` tokenizer makes a word of each run of letters, so `東京都に行きます` is one
/// word and `東京` cannot find it. The indexes are fed `spaced(text)` instead, which puts a space
/// between such a character and whatever touches it (`東 京 都 に 行 き ま す`); a query's run of
/// them is spaced the same way inside its quotes, which FTS5 reads as a phrase: the characters in
/// order and adjacent, anywhere in a run.
///
/// The set is fixed code-point ranges, not Unicode properties (which change with the toolchain's
/// Unicode version): the turn index is contentless, so a delete must give FTS5 exactly the tokens
/// the insert gave, possibly years later. Changing `isSplit` therefore needs a new
/// `SearchIndexLayout.TextForm` (an old index is rebuilt) and a migration for titles.
///
/// Thai, Lao, Khmer and Myanmar are also written without spaces but are not covered: their
/// vowel signs are combining marks (separators to `unicode61`), so one code point per word would
/// match consonants with any vowels, and grapheme clusters come from the Unicode version of the
/// toolchain (not stable enough for a contentless index).
enum SearchText {
    /// Whether `value` (a code point) is a character indexed as a word of its own.
    static func isSplit(_ value: UInt32) -> Bool {
        switch value {
        case 0x3005...0x3007,   // 々 〆 〇
             0x3021...0x3029,   // Hangzhou numerals
             0x3031...0x3035,   // kana repeat marks
             0x303B...0x303C,   // 〻 〼
             0x3041...0x309F,   // Hiragana
             0x30A0...0x30FF,   // Katakana (with ー)
             0x31F0...0x31FF,   // Katakana phonetic extensions
             0x3400...0x4DBF,   // CJK Unified Ideographs Extension A
             0x4E00...0x9FFF,   // CJK Unified Ideographs
             0xAC00...0xD7A3,   // Hangul syllables
             0xF900...0xFAFF,   // CJK Compatibility Ideographs
             0xFF66...0xFF9F,   // half-width Katakana
             0x1B000...0x1B16F, // Kana supplement and extensions
             0x20000...0x3FFFF: // CJK Unified Ideographs Extensions B-H, compatibility supplement
            return true
        default:
            return false
        }
    }

    static func isSplit(_ scalar: Unicode.Scalar) -> Bool { isSplit(scalar.value) }

    /// `text` as the indexes are fed it: a space between every split character and the character
    /// next to it (unless one of them is an ASCII space). Text without split characters comes back
    /// unchanged.
    static func spaced(_ text: String) -> String {
        var text = text
        // Safe: the buffer is read only inside the closure, every index checked against its count.
        let result = text.withUTF8 { spacedUTF8($0) }
        return result.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// `spaced` over UTF-8 bytes (as SQLite hands them to `tandem_search_text`); nil when nothing
    /// changes. Bytes that are not valid UTF-8 are copied as they are, one at a time.
    static func spacedUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // Every split character's UTF-8 form starts with a byte >= 0xE3 (U+3005 is E3 80 85): text
        // without one (English, most European text) is handed back untouched after one pass.
        guard bytes.contains(where: { $0 >= 0xE3 }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var index = 0
        var previousSplit = false
        var previousSpace = true
        while index < bytes.count {
            let (value, length) = decode(bytes, at: index)
            let split = value.map(isSplit) ?? false
            let space = length == 1 && (bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]))
            if (split || previousSplit) && !space && !previousSpace { out.append(0x20) }
            out.append(contentsOf: bytes[index..<index + length])
            (previousSplit, previousSpace) = (split, space)
            index += length
        }
        return out
    }

    /// The code point at `index` and its length in bytes; nil with length 1 for a byte that does
    /// not start a well-formed sequence.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32?, Int) {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return (UInt32(lead), 1)
        case 0xC2...0xDF: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, value) = (4, UInt32(lead & 0x07))
        default: return (nil, 1)
        }
        guard index + length <= bytes.count else { return (nil, 1) }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }
}
