import Foundation

/// The shape of the turn index (`search.turns_fts`): how its text is prepared (`TextForm`) and its
/// FTS5 options, chiefly the prefix indexes.
///
/// Without a prefix index a `prefix*` term makes FTS5 merge the postings of every indexed word
/// that starts with it before the first row comes back (a one-letter prefix over 500,000 turns:
/// about a second). With `prefix='1 2 3'` FTS5 also indexes each word under its first one, two
/// and three characters, so a prefix of those lengths is one ordinary term (docs/store.md has the
/// figures; prefixes longer than the longest length are rarer and still merged).
///
/// An index with another layout (made by an earlier build, or for other `prefixLengths`) is
/// rebuilt beside the one in use (`SearchIndexRebuild`); the layout is read from the table's own
/// `CREATE` statement, so the file needs no format number for it.
struct SearchIndexLayout: Sendable, Equatable {
    /// How the text of turns is prepared before FTS5 tokenizes it. The index's one column is
    /// named for it, so the table's `CREATE` statement tells which form an index holds (and an
    /// index of the other form is rebuilt like one of other prefix lengths).
    enum TextForm: Sendable, Equatable {
        /// The text as it is (the builds before CJK characters were words): column `content`.
        case plain
        /// `SearchText.spaced(text, form: .cjk)` (the builds before Thai, Lao, Khmer and Myanmar
        /// clusters were words): column `content_cjk`.
        case spaced
        /// `SearchText.spaced(text, form: .clusters)`, with `SearchText.tokenizeOption` (marks are
        /// token characters; the builds before Thai and Lao marks were put in one order): column
        /// `content_clusters`.
        case clusters
        /// `SearchText.spaced(text)`: clusters, Thai and Lao marks in one order (`SearchMarkOrder`),
        /// the same tokenizer: column `content_ordered`.
        case ordered

        /// The FTS5 column an index of this form has.
        var column: String {
            switch self {
            case .plain: "content"
            case .spaced: "content_cjk"
            case .clusters: "content_clusters"
            case .ordered: "content_ordered"
            }
        }

        /// What this form adds to `fts5(...)` after the column: its tokenizer, if not the default.
        var options: String { self == .clusters || self == .ordered ? ", " + SearchText.tokenizeOption : "" }

        /// The SQL expression that prepares `expression` (text) for an index of this form.
        func prepared(_ expression: String) -> String {
            switch self {
            case .plain: expression
            case .spaced: "tandem_search_text(\(expression))"
            case .clusters: "tandem_search_clusters(\(expression))"
            case .ordered: "tandem_search_ordered(\(expression))"
            }
        }

        /// The form of the index `sql` (a table's statement from `sqlite_master`) created.
        static func of(_ sql: String?) -> TextForm {
            guard let sql, let open = sql.firstIndex(of: "(") else { return .ordered }
            let first = sql[sql.index(after: open)...].prefix { $0 != "," && $0 != ")" }
            switch first.trimmingCharacters(in: .whitespaces).lowercased() {
            case "content": return .plain
            case "content_cjk": return .spaced
            case "content_clusters": return .clusters
            default: return .ordered
            }
        }
    }

    /// Prefix lengths FTS5 indexes, ascending, each 1...`maxPrefixLength`.
    let prefixLengths: [Int]
    /// How turn text is prepared; `.ordered` except in tests that make an earlier build's index.
    let textForm: TextForm

    /// Longer prefixes are never worth an index entry per word.
    static let maxPrefixLength = 8

    /// `prefixLengths` in any order, repeats ignored (`validate` them first: the store does).
    init(prefixLengths: [Int], textForm: TextForm = .ordered) {
        self.textForm = textForm
        self.prefixLengths = Array(Set(prefixLengths.filter { (1...Self.maxPrefixLength).contains($0) })).sorted()
    }

    /// `invalid_argument` unless every length is 1...`maxPrefixLength`.
    static func validate(_ lengths: [Int]) throws(StoreError) {
        if let bad = lengths.first(where: { !(1...maxPrefixLength).contains($0) }) {
            throw StoreError.invalid("searchPrefixIndex: a prefix length must be 1...\(maxPrefixLength), not \(bad)")
        }
    }

    /// The arguments of `fts5(...)`. Contentless (the text stays in `main.turns` only) and
    /// without per-row column sizes (turn hits are ordered newest first, not by rank). With no
    /// prefix lengths and the `.plain` form this is exactly the statement of the builds before
    /// prefix indexes. The `.clusters` and `.ordered` forms add their tokenizer (combining marks as token characters).
    var arguments: String {
        let base = textForm.column + ", content='', columnsize=0" + textForm.options
        return prefixLengths.isEmpty ? base : base + ", prefix='" + prefixLengths.map(String.init).joined(separator: " ") + "'"
    }

    /// The statement that creates the index as `search.<table>`.
    func createSQL(table: String) -> String {
        "CREATE VIRTUAL TABLE search.\(table) USING fts5(\(arguments));"
    }

    /// Whether `sql`, a table's statement from `sqlite_master`, made an index of this layout.
    /// Compares what follows `USING` (a rename rewrites the table's name, not its arguments).
    func describes(_ sql: String?) -> Bool {
        guard let sql, let using = sql.range(of: " USING ", options: .caseInsensitive) else { return false }
        return Self.squeezed(String(sql[using.upperBound...])) == Self.squeezed("fts5(\(arguments))")
    }

    private static func squeezed(_ text: String) -> String {
        String(text.lowercased().filter { !$0.isWhitespace }).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
    }
}
