/// Whether a search can find anything at all. The server's index keeps words and numbers only
/// (letters, digits and other number characters, as FTS5's `unicode61` tokenizer splits text;
/// `docs/protocol.md`, `session.search`): a query of punctuation, symbols or emoji alone has no
/// term, and the server's answer, "search text is empty", told the user who typed `⭐` nothing useful.
public enum SearchableText {
    /// The user's explanation when `query` holds nothing the index keeps, else nil (send it).
    public static func problem(_ query: String) -> String? {
        guard !query.unicodeScalars.contains(where: isIndexed) else { return nil }
        let shown = PrintableText.line(query.trimmingSpaces())
        return "nothing searchable in '\(shown)': search matches words and numbers; punctuation, symbols and emoji are not indexed"
    }

    /// A character the server's index keeps (the same table as the server's tokenizer).
    static func isIndexed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }
}
