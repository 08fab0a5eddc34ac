import Foundation

/// The excerpt shown with a hit: up to `maxTokens` words of the turn or title around its matches,
/// each matching word in brackets, "…" where text was cut (the form FTS5's `snippet()` gives;
/// the indexes are fed `SearchText.spaced` text, so the store builds it from the original text).
///
/// Words are split and compared as FTS5's default `unicode61` tokenizer does on spaced text: a
/// token is a run of letters, digits and private-use characters, except that each split
/// character (`SearchText.isSplit`: Han, kana, Hangul) is a token of its own; comparison ignores
/// case and diacritics (split characters are compared as they are, as FTS5 does).
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

    /// Whether a folded token is one split character (a word only as part of a phrase of them).
    static func isSplitToken(_ token: String) -> Bool {
        let scalars = token.unicodeScalars
        return scalars.count == 1 && SearchText.isSplit(scalars.first!)
    }

    /// An excerpt of `content` with the words in `terms`, those starting with one of `prefixes`,
    /// and every occurrence of a run of split characters in `runs` (consecutive tokens), in
    /// brackets. Marked split characters next to each other share one pair: `[東京]都`.
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
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let isTokenScalar = isTokenCharacter(scalars[index])
            let isSplit = isTokenScalar && !scalars[index].isASCII && SearchText.isSplit(scalars[index])
            if (!isTokenScalar || isSplit), let start = tokenStart {
                out.append(start..<index)
                tokenStart = nil
            }
            let next = scalars.index(after: index)
            if isSplit {
                out.append(index..<next)
            } else if isTokenScalar && tokenStart == nil {
                tokenStart = index
            }
            index = next
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
        // A split character has no case, and FTS5 keeps its diacritics (Foundation would turn が into か).
        if token.unicodeScalars.count == 1, SearchText.isSplit(token.unicodeScalars.first!) { return String(token) }
        // An ASCII token has no diacritics: lower-casing is all the folding it needs.
        if token.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: token.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return token.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
