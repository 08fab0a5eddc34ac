import Foundation

/// The excerpt shown with a turn hit: up to `maxTokens` words of the turn around its matches,
/// each matching word in brackets, "…" where text was cut (the form FTS5's `snippet()` gives;
/// the turn index is contentless, so the store builds it from the turn's text).
///
/// Words are split and compared as FTS5's default `unicode61` tokenizer does: a token is a run of
/// letters, digits and private-use characters; comparison ignores case and diacritics.
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

    /// An excerpt of `content` with the words in `terms`, and those starting with one of
    /// `prefixes`, in brackets.
    static func make(_ content: String, terms: Set<String>, prefixes: [String] = []) -> String {
        let all = tokens(content)
        guard !all.isEmpty else { return content }
        let matching = all.indices.filter { index in
            let token = fold(slice(content, all[index]))
            return terms.contains(token) || prefixes.contains { token.hasPrefix($0) }
        }
        let width = min(maxTokens, all.count)
        // The window with the most matches; a window starts a word or two before a match.
        var start = 0
        var best = -1
        for candidate in Set(matching.map { min(max(0, $0 - 2), all.count - width) }).sorted() {
            let count = matching.filter { $0 >= candidate && $0 < candidate + width }.count
            if count > best { (best, start) = (count, candidate) }
        }
        let end = start + width // exclusive
        var out = start > 0 ? "…" : String(slice(content, content.startIndex..<all[0].lowerBound))
        var cursor = all[start].lowerBound
        for index in start..<end {
            let range = all[index]
            out += slice(content, cursor..<range.lowerBound)
            out += matching.contains(index) ? "[" + slice(content, range) + "]" : slice(content, range)
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
            if isTokenScalar && tokenStart == nil { tokenStart = index }
            if !isTokenScalar, let start = tokenStart {
                out.append(start..<index)
                tokenStart = nil
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
        // An ASCII token has no diacritics: lower-casing is all the folding it needs.
        if token.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: token.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return token.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
