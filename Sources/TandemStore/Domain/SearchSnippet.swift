import Foundation

/// The excerpt shown with a hit: up to `maxTokens` words of the turn or title around its matches,
/// each matching word in brackets, "…" where text was cut (the form FTS5's `snippet()` gives;
/// the indexes are fed `SearchText.spaced` text, so the store builds it from the original text).
///
/// Words are split and compared as FTS5's `unicode61` tokenizer does on spaced text: a token is a
/// run of letters, digits, private-use characters and `SearchText.clusterMarks` (the indexes'
/// `tokenchars`), except that each split unit (a Han, kana or Hangul character; a Thai, Lao,
/// Khmer or Myanmar letter with the marks after it) is a token of its own; comparison ignores case
/// and diacritics (split units and the marks are compared as they are, as FTS5 does) and the order
/// of a Thai or Lao cluster's marks (`SearchMarkOrder`, as the indexes are fed). The excerpt is the
/// text as it was typed.
enum SearchSnippet {
    static let maxTokens = 12

    /// The tokens of `text` (case and diacritics folded), as searched for.
    static func terms(_ text: String) -> Set<String> {
        Set(foldedTokens(text))
    }

    /// The tokens of `text`, folded, in order.
    static func foldedTokens(_ text: String) -> [String] {
        tokens(text).map { fold(slice(text, $0)) }
    }

    /// Whether a folded token is one split unit (a word only as part of a phrase of them): a CJK
    /// character, or a Thai, Lao, Khmer or Myanmar cluster (a letter and the marks after it).
    static func isSplitToken(_ token: String) -> Bool {
        let scalars = token.unicodeScalars
        guard let first = scalars.first, isSplitStart(first) else { return false }
        return scalars.count == 1 || scalars.dropFirst().allSatisfy { SearchText.isClusterMark($0.value) }
    }

    /// Whether `scalar` begins a split unit.
    private static func isSplitStart(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.isASCII && (SearchText.isSplit(scalar) || SearchText.isClusterStart(scalar.value))
    }

    /// An excerpt of `content` with the words in `terms`, those starting with one of `prefixes`,
    /// and every occurrence of a run of split units in `runs` (consecutive tokens), in brackets.
    /// Marked split units next to each other share one pair: `[東京]都`, `ฉันไป[กรุงเทพ]`; a unit
    /// is a whole cluster, so a bracket never falls between a letter and its marks.
    static func make(_ content: String, terms: Set<String>, prefixes: [String] = [], runs: [[String]] = []) -> String {
        let all = tokens(content)
        guard !all.isEmpty else { return content }
        let folded = all.map { fold(slice(content, $0)) }
        var marked = [Bool](repeating: false, count: all.count)
        for index in all.indices where !isSplitToken(folded[index]) {
            let token = folded[index]
            marked[index] = terms.contains(token) || prefixes.contains { token.hasPrefix($0) }
        }
        for run in runs where !run.isEmpty && run.count <= all.count {
            for start in 0...(all.count - run.count) where folded[start] == run[0] {
                if folded[start..<start + run.count].elementsEqual(run) {
                    for index in start..<start + run.count { marked[index] = true }
                }
            }
        }
        let matching = all.indices.filter { marked[$0] }
        let width = min(maxTokens, all.count)
        // The window with the most matches; a window starts a word or two before a match.
        var start = 0
        var best = -1
        for candidate in Set(matching.map { min(max(0, $0 - 2), all.count - width) }).sorted() {
            let count = matching.filter { $0 >= candidate && $0 < candidate + width }.count
            if count > best { (best, start) = (count, candidate) }
        }
        let end = start + width // exclusive
        // Marked split characters that touch (no text between) share one pair of brackets.
        func joins(_ index: Int) -> Bool {
            index > start && index < end && marked[index] && marked[index - 1] && isSplitToken(folded[index])
                && isSplitToken(folded[index - 1]) && all[index - 1].upperBound == all[index].lowerBound
        }
        var out = start > 0 ? "…" : String(slice(content, content.startIndex..<all[0].lowerBound))
        var cursor = all[start].lowerBound
        for index in start..<end {
            let range = all[index]
            out += slice(content, cursor..<range.lowerBound)
            if marked[index] && !joins(index) { out += "[" }
            out += slice(content, range)
            if marked[index] && !joins(index + 1) { out += "]" }
            cursor = range.upperBound
        }
        out += end < all.count ? "…" : String(slice(content, cursor..<content.endIndex))
        return out
    }

    /// Token boundaries are scalar positions, not always character boundaries.
    private static func slice(_ text: String, _ range: Range<String.Index>) -> Substring {
        Substring(text.unicodeScalars[range])
    }

    private static func tokens(_ text: String) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var tokenStart: String.Index?
        var inSplit = false // the open token is a split unit
        // NIKHAHITs in the run of Thai and Lao marks just read: a SARA AA after one is SARA AM's
        // second half (`SearchMarkOrder`), a mark of the cluster, not a cluster of its own.
        var (thaiNikhahits, laoNikhahits) = (0, 0)
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let scalar = scalars[index]
            var mark = !scalar.isASCII && SearchText.isClusterMark(scalar.value)
            if scalar.isASCII || SearchMarkOrder.rank(scalar.value) == nil {
                if !scalar.isASCII
                    && SearchMarkOrder.composesSaraAA(scalar.value, thaiNikhahits: thaiNikhahits, laoNikhahits: laoNikhahits) {
                    mark = true
                    if scalar.value == 0x0E32 { thaiNikhahits -= 1 } else { laoNikhahits -= 1 }
                } else {
                    (thaiNikhahits, laoNikhahits) = (0, 0)
                }
            } else if scalar.value == 0x0E4D {
                thaiNikhahits += 1
            } else if scalar.value == 0x0ECD {
                laoNikhahits += 1
            }
            let isTokenScalar = mark || isTokenCharacter(scalar)
            let isSplit = isTokenScalar && !mark && isSplitStart(scalar)
            // A mark continues the open token (it is spaced from nothing); a split unit starts a
            // token, and ends at the next character that is not a mark.
            if let start = tokenStart, !isTokenScalar || isSplit || (inSplit && !mark) {
                out.append(start..<index)
                tokenStart = nil
            }
            if isTokenScalar && tokenStart == nil {
                tokenStart = index
                inSplit = isSplit
            }
            index = scalars.index(after: index)
        }
        if let start = tokenStart { out.append(start..<scalars.endIndex) }
        return out
    }

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII first: Unicode property lookups dominated a search's time (snippets of 50 hits).
        if scalar.isASCII { return asciiTokenCharacter(UInt8(scalar.value)) }
        return unicodeTokenCharacter(scalar)
    }

    /// unicode61's table for ASCII: letters and digits are token characters, the rest separate.
    private static func asciiTokenCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    static func unicodeTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    static func fold(_ token: Substring) -> String {
        // Thai and Lao marks in the indexes' order (the token is then one cluster, or a word with
        // marks after its last letter: spacing adds no space to it). Most text is typed in it.
        if !SearchMarkOrder.isOrdered(token.unicodeScalars) {
            return foldKept(Substring(SearchText.spaced(String(token))))
        }
        return foldKept(token)
    }

    private static func foldKept(_ token: Substring) -> String {
        // A split character has no case, and FTS5 keeps its diacritics (Foundation would turn が into か).
        if token.unicodeScalars.count == 1, SearchText.isSplit(token.unicodeScalars.first!) { return String(token) }
        // An ASCII token has no diacritics: lower-casing is all the folding it needs.
        if token.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: token.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        // FTS5 keeps the marks of Thai, Lao, Khmer, Myanmar and Tibetan and their letters as they
        // are (Foundation would drop the marks: กิ would become ก): those are kept, the rest folded.
        if token.unicodeScalars.contains(where: isKeptAsIs) {
            var out = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if isKeptAsIs(scalar) { out.append(scalar) } else {
                    out.append(contentsOf: String(scalar).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).unicodeScalars)
                }
            }
            return String(out)
        }
        return token.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// Code points FTS5 does not fold in these indexes: split units' letters and the cluster marks
    /// (Tibetan letters have no case or diacritics to fold either).
    private static func isKeptAsIs(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.isASCII && (isSplitStart(scalar) || SearchText.isClusterMark(scalar.value)
            || (0x0F00...0x0FFF).contains(scalar.value))
    }
}
