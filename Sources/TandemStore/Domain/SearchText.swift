/// How text is prepared for the full-text indexes so that scripts written without spaces can be
/// searched: every Han, Hiragana, Katakana and Hangul-syllable character, and every cluster of
/// Thai, Lao, Khmer and Myanmar (a letter with the combining marks after it), becomes a word.
///
/// FTS5's `unicode61` tokenizer makes a word of each run of letters, so `東京都に行きます` is one
/// word and `東京` cannot find it. The indexes are fed `spaced(text)` instead, which puts a space
/// between such a unit and whatever touches it (`東 京 都 に 行 き ま す`, `ไ ป กรุ ง เ ท พ`); a
/// query's run of them is spaced the same way inside its quotes, which FTS5 reads as a phrase: the
/// units in order and adjacent, anywhere in a run.
///
/// Combining marks (Thai vowels above and below and tone marks, their Lao, Khmer, Myanmar and
/// Tibetan kin) are separators to `unicode61`: `กิน` (eat) would be the words `ก` `น`, and so would
/// `กน`. The indexes made for this form name every mark in `clusterMarks` as a token character
/// (`tokenizeOption`), so a mark stays in its cluster's word: `กิ น` and `ก น` differ, and a query
/// matches only the same letters with the same marks. The marks of a Thai or Lao cluster are put in
/// one order first (`SearchMarkOrder`), in the text and the query alike, so the order they were
/// typed in does not matter (`ก่ี` is `กี่`); the stored text keeps the order it was typed in.
/// `remove_diacritics` (on, FTS5's default) leaves these scripts' letters and marks alone (checked
/// for every code point of their blocks).
/// Tibetan separates syllables with tsheg (U+0F0B, punctuation, a separator): its syllables are
/// words as they are, once their vowel signs and subjoined letters no longer split them. Digits of
/// these scripts (`๒๐๒๔`) are words as ASCII digits are, not split.
///
/// The sets are fixed code-point ranges, not Unicode properties or grapheme clusters (which change
/// with the toolchain's Unicode version): the turn index is contentless, so a delete must give
/// FTS5 exactly the tokens the insert gave, possibly years later. Changing them therefore needs a
/// new `SearchIndexLayout.TextForm` (an old index is rebuilt) and a migration for titles;
/// `Form.cjk` is the form before clusters (migration 21's titles, `content_cjk` turn indexes) and
/// `Form.clusters` the form before Thai and Lao marks were put in one order (`SearchMarkOrder`;
/// migration 24's titles, `content_clusters`), each kept exactly as it was so an index of it can
/// still be deleted from until it is rebuilt.
enum SearchText {
    /// Which units a form splits.
    enum Form: Sendable {
        /// CJK characters only (`tandem_search_text`, `content_cjk` indexes).
        case cjk
        /// CJK characters and clusters of Thai, Lao, Khmer and Myanmar, marks as typed
        /// (`tandem_search_clusters`, `content_clusters` indexes, migration 24's titles).
        case clusters
        /// `clusters` with the marks of each Thai and Lao cluster in one order (`SearchMarkOrder`):
        /// `tandem_search_ordered`, `content_ordered` indexes, migration 25's titles.
        case ordered
    }

    /// Whether `value` (a code point) is a CJK character indexed as a word of its own.
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

    /// Combining marks that stay in the word of the letter before them (FTS5 `tokenchars`): every
    /// Mn and Mc code point of the Thai, Lao, Tibetan, Myanmar (with extensions A and B) and Khmer
    /// blocks (Unicode 14), and Thai and Lao SARA AM (letters, but grapheme-cluster marks).
    static let clusterMarks: [ClosedRange<UInt32>] = [
        0x0E31...0x0E31, 0x0E33...0x0E3A, 0x0E47...0x0E4E,                      // Thai
        0x0EB1...0x0EB1, 0x0EB3...0x0EBC, 0x0EC8...0x0ECD,                      // Lao
        0x0F18...0x0F19, 0x0F35...0x0F35, 0x0F37...0x0F37, 0x0F39...0x0F39,     // Tibetan
        0x0F3E...0x0F3F, 0x0F71...0x0F84, 0x0F86...0x0F87, 0x0F8D...0x0F97,
        0x0F99...0x0FBC, 0x0FC6...0x0FC6,
        0x102B...0x103E, 0x1056...0x1059, 0x105E...0x1060, 0x1062...0x1064,     // Myanmar
        0x1067...0x106D, 0x1071...0x1074, 0x1082...0x108D, 0x108F...0x108F,
        0x109A...0x109D, 0xA9E5...0xA9E5, 0xAA7B...0xAA7D,
        0x17B4...0x17D3, 0x17DD...0x17DD,                                       // Khmer
    ]

    /// Whether `value` is one of `clusterMarks`.
    static func isClusterMark(_ value: UInt32) -> Bool {
        guard value >= 0x0E31, value <= 0xAA7D else { return false }
        return clusterMarks.contains { $0.contains(value) }
    }

    /// Whether `value` starts a cluster that is a word of its own: a code point of the Thai, Lao,
    /// Myanmar (with extensions A and B) or Khmer blocks that is neither a mark nor a digit
    /// (punctuation too: it separates words anyway, a space beside it changes nothing).
    static func isClusterStart(_ value: UInt32) -> Bool {
        switch value {
        case 0x0E50...0x0E59, 0x0ED0...0x0ED9, 0x1040...0x1049, 0x1090...0x1099, 0x17E0...0x17E9,
             0x17F0...0x17F9, 0xA9F0...0xA9F9:
            return false // digits
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0xA9E0...0xA9FF, 0xAA60...0xAA7F:
            return !isClusterMark(value)
        default:
            return false
        }
    }

    /// The FTS5 `tokenize` option of an index fed `Form.clusters` or `.ordered` text: `unicode61`
    /// with `clusterMarks` as token characters.
    static let tokenizeOption: String = {
        var marks = ""
        for range in clusterMarks {
            for value in range { marks.unicodeScalars.append(Unicode.Scalar(value)!) }
        }
        return "tokenize=\"unicode61 tokenchars '\(marks)'\""
    }()

    /// `text` as the indexes of `form` are fed it: a space between every split unit and the
    /// character next to it (unless one of them is an ASCII space). Text without split units
    /// comes back unchanged.
    static func spaced(_ text: String, form: Form = .ordered) -> String {
        var text = text
        // Safe: the buffer is read only inside the closure, every index checked against its count.
        let result = text.withUTF8 { spacedUTF8($0, form: form) }
        return result.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// `spaced` over UTF-8 bytes (as SQLite hands them to `tandem_search_text`,
    /// `tandem_search_clusters` and `tandem_search_ordered`); nil when nothing changes. Bytes that
    /// are not valid UTF-8 are copied as they are, one at a time. Safe: it reads `bytes` only within
    /// its count and keeps no pointer past the call.
    static func spacedUTF8(_ bytes: UnsafeBufferPointer<UInt8>, form: Form = .ordered) -> [UInt8]? {
        // Every split unit's UTF-8 form starts with a byte >= 0xE3 (U+3005 is E3 80 85), or >= 0xE0
        // with clusters (U+0E01 is E0 B8 81): text without one (English, most European text) is
        // handed back untouched after one pass.
        let lowest: UInt8 = form == .cjk ? 0xE3 : 0xE0
        guard bytes.contains(where: { $0 >= lowest }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var index = 0
        var previousSplit = false
        var previousSpace = true
        var marks: [UInt32] = [] // SearchMarkOrder's scratch
        while index < bytes.count {
            let (value, length) = decode(bytes, at: index)
            if form == .ordered, let value, SearchMarkOrder.rank(value) != nil {
                // A run of Thai or Lao marks, in one order: a mark continues its unit, as below.
                index = SearchMarkOrder.appendRun(bytes, from: index, to: &out, scratch: &marks)
                previousSpace = false
                continue
            }
            let space = length == 1 && (bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]))
            let split: Bool
            let mark: Bool
            switch form {
            case .cjk:
                (split, mark) = (value.map(isSplit) ?? false, false)
            case .clusters, .ordered:
                // A mark continues the unit before it (split or not) and is never spaced from it.
                mark = value.map(isClusterMark) ?? false
                split = mark ? previousSplit : value.map { isSplit($0) || isClusterStart($0) } ?? false
            }
            if !mark && (split || previousSplit) && !space && !previousSpace { out.append(0x20) }
            out.append(contentsOf: bytes[index..<index + length])
            (previousSplit, previousSpace) = (split, space)
            index += length
        }
        return out
    }

    /// The code point at `index` and its length in bytes; nil with length 1 for a byte that does
    /// not start a well-formed sequence.
    // Safe: callers pass index < bytes.count (their loop condition); the continuation bytes are read after index + length <= count is checked
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32?, Int) {
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
