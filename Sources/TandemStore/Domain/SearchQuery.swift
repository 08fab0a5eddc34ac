/// A search as people type it, turned into an FTS5 expression that cannot fail to parse or
/// reach past what `session.search` documents: words (all must match), `"phrases"`, `prefix*`,
/// `AND`, `OR`, `NOT` (or `-word`). Every term is quoted for FTS5, so its other syntax (column
/// filters, `NEAR`, `^`) is just text; a query the grammar refuses is `invalid_argument` with the
/// reason, not an SQLite error.
///
/// Each term's text is quoted as `SearchText.spaced` makes it, as the indexes are fed: a run of
/// CJK characters (`東京`) or of Thai, Lao, Khmer, Myanmar clusters (`กรุงเทพ`) is then a phrase of
/// one-unit words, found in order and adjacent inside any longer run. Such a run is one term of
/// `maxTerms`, as any phrase is. A `prefix*` whose last unit is such a one is no prefix: that unit
/// is a whole word already.
struct SearchQuery: Sendable, Equatable {
    /// The FTS5 MATCH expression for an index fed `SearchText.spaced` text (titles; turns).
    var match: String
    /// The expression's operators and terms as typed, for `match(for:)`.
    private var pieces: [Piece]
    /// Words to highlight in snippets (those searched for, not those excluded).
    var words: Set<String>
    /// Prefixes to highlight (folded), from `prefix*` terms.
    var prefixes: [String]
    /// Runs of split units (CJK characters, clusters) to highlight where they occur in a row.
    var runs: [[String]]

    /// The MATCH expression for an index of `form`: `match` for today's; for an earlier build's
    /// turn index (searched until its background rebuild is done) each term as that build prepared
    /// it: Thai and Lao marks as typed (`.clusters`), only CJK runs phrases (`.spaced`), or CJK runs
    /// whole words (`.plain`, the text as it is).
    func match(for form: SearchIndexLayout.TextForm) -> String {
        form == .ordered ? match : Self.expression(pieces, form: form)
    }

    private enum Piece: Equatable {
        case term(String, prefix: Bool)
        case keyword(String)
    }

    private static func expression(_ pieces: [Piece], form: SearchIndexLayout.TextForm) -> String {
        pieces.map { piece in
            switch piece {
            case .keyword(let name):
                return name
            case .term(let text, let prefix):
                let prepared = switch form {
                case .plain: text
                case .spaced: SearchText.spaced(text, form: .cjk)
                case .clusters: SearchText.spaced(text, form: .clusters)
                case .ordered: SearchText.spaced(text)
                }
                return quoted(prepared, prefix: prefix)
            }
        }.joined(separator: " ")
    }

    private enum Item: Equatable {
        case term(String, prefix: Bool, excluded: Bool)
        case and, or, not
    }

    /// Words and phrases one search may hold. FTS5 evaluates each term on its own (a repeated one
    /// again), so a 1 KiB query of `k* OR k* OR …` made one request walk the index some 170 times.
    static let maxTerms = 16
    /// `prefix*` terms one search may hold. With the index's prefix indexes (1-3 characters,
    /// `SearchIndexLayout`) a short prefix is one index term (`t*` over 500,000 turns: 0.3 ms to
    /// the first page, `s* OR t* OR c* OR p*` 0.8 ms); a longer one merges the postings of the few
    /// words it starts. Without them (an index of an earlier build, until its background rebuild
    /// is done) each merged every word it starts first: `t*` 130-286 ms, 1-3 s on the audit's corpus.
    static let maxPrefixTerms = 4
    /// Split units (CJK characters; Thai, Lao, Khmer, Myanmar clusters) one search may hold, in all
    /// its runs (excluded ones too). A run is one phrase of `maxTerms`, but FTS5 walks the postings
    /// of each of its units: 340 common CJK characters (a 1 KiB query) took 0.2 s over 200,000
    /// turns, 64 took 48 ms; 64 still takes a pasted sentence. Thai has far fewer distinct clusters
    /// than CJK has characters, so each has longer postings, but the worst run costs no more: over
    /// 200,000 turns of each at one load, 64 of the commonest clusters 67 ms, of the commonest CJK
    /// characters 100 ms (docs/benchmarks.md). One cap for both.
    static let maxRunCharacters = 64

    init(_ text: String) throws(StoreError) {
        let items = try Self.items(text)
        guard !items.isEmpty else { throw StoreError.invalid("search text is empty") }
        let terms = items.compactMap { item -> Bool? in
            if case .term(_, let prefix, _) = item { return prefix }
            return nil
        }
        guard terms.count <= Self.maxTerms else {
            throw StoreError.invalid("search: at most \(Self.maxTerms) words or phrases (this has \(terms.count))")
        }
        let characters = items.reduce(0) { count, item in
            guard case .term(let text, _, _) = item else { return count }
            return count + SearchSnippet.foldedTokens(text).filter(SearchSnippet.isSplitToken).count
        }
        guard characters <= Self.maxRunCharacters else {
            throw StoreError.invalid("search: at most \(Self.maxRunCharacters) CJK characters or Thai, Lao, Khmer, Myanmar clusters (this has \(characters))")
        }
        guard terms.filter({ $0 }).count <= Self.maxPrefixTerms else {
            throw StoreError.invalid("search: at most \(Self.maxPrefixTerms) prefix* terms (this has \(terms.filter { $0 }.count))")
        }
        var parts: [Piece] = []
        var words: Set<String> = []
        var prefixes: [String] = []
        var runs: [[String]] = []
        var previousWasTerm = false
        for (index, item) in items.enumerated() {
            switch item {
            case .term(let text, let prefix, let excluded):
                // A term after NOT is excluded as -word is: a hit never matches it, so it is not highlighted.
                let afterNot = index > 0 && items[index - 1] == .not
                if excluded {
                    guard previousWasTerm else {
                        throw StoreError.invalid("search: '-\(text)' excludes from nothing; put a word to find before it")
                    }
                    parts.append(.keyword("NOT"))
                } else if previousWasTerm {
                    // An explicit AND: FTS5 binds bare terms tighter than NOT, so `a -b c` would be
                    // `a NOT (b c)`; with it, `(a NOT b) AND c`: every word not excluded must match.
                    parts.append(.keyword("AND"))
                }
                if !excluded && !afterNot {
                    let tokens = SearchSnippet.foldedTokens(text)
                    var run: [String] = []
                    for token in tokens {
                        if SearchSnippet.isSplitToken(token) {
                            run.append(token)
                            continue
                        }
                        if !run.isEmpty { runs.append(run); run = [] }
                        words.insert(token)
                    }
                    if !run.isEmpty { runs.append(run) }
                    if prefix, let last = tokens.last { prefixes.append(last) }
                }
                parts.append(.term(text, prefix: prefix))
                previousWasTerm = true
            case .and, .or, .not:
                let name = item == .and ? "AND" : item == .or ? "OR" : "NOT"
                guard previousWasTerm, index + 1 < items.count, case .term(_, _, false) = items[index + 1] else {
                    throw StoreError.invalid("search: \(name) needs a word to find on each side")
                }
                parts.append(.keyword(name))
                previousWasTerm = false
            }
        }
        pieces = parts
        match = Self.expression(parts, form: .ordered)
        self.words = words
        self.prefixes = prefixes
        self.runs = runs
    }

    /// `text` as one FTS5 string (a phrase when it holds several words), `*` after it for a prefix.
    /// Escaped scalar by scalar: a `"` followed by a combining mark is one `Character` with it, and
    /// a replacement of `"` by `""` in the `String` left it alone, ending the FTS5 string early.
    /// FTS5 reads an expression only up to a NUL ("unterminated string", an SQLite error): a NUL
    /// separates words in indexed text as a space does, so it is a space here too.
    private static func quoted(_ text: String, prefix: Bool) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\"\""
            case "\u{0}": quoted += " "
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\"" + (prefix ? " *" : "")
    }

    /// A `prefix*` term is a prefix unless its last word is a split unit (a whole word).
    private static func isPrefix(_ text: String, starred: Bool) -> Bool {
        starred && !(SearchSnippet.foldedTokens(text).last.map(SearchSnippet.isSplitToken) ?? false)
    }

    /// Splits on whitespace outside double quotes; a quoted run is one phrase. Read scalar by
    /// scalar, as the indexes read text (`SearchText`): a space or a `"` followed by a combining
    /// mark is one `Character` with it, and read by `Character` `x ัa` was the words `x` and `a`
    /// (the mark, a letter of the word after it in a turn, dropped with the space: no turn found).
    private static func items(_ text: String) throws(StoreError) -> [Item] {
        var items: [Item] = []
        var rest = Substring(text).unicodeScalars
        let isSpace = { (scalar: Unicode.Scalar) in scalar.properties.isWhitespace }
        while let start = rest.firstIndex(where: { !isSpace($0) }) {
            rest = rest[start...]
            var excluded = false
            if rest.first == "-", rest.dropFirst().first.map({ !isSpace($0) }) == true {
                excluded = true
                rest = rest.dropFirst()
            }
            if rest.first == "\"" {
                guard let close = rest.dropFirst().firstIndex(of: "\"") else {
                    throw StoreError.invalid("search: a \" opens a phrase that is never closed")
                }
                let phrase = String(Substring(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...]
                let starred = rest.first == "*"
                if starred { rest = rest.dropFirst() }
                let prefix = isPrefix(phrase, starred: starred)
                if !SearchSnippet.terms(phrase).isEmpty { items.append(.term(phrase, prefix: prefix, excluded: excluded)) }
                continue
            }
            let end = rest.firstIndex(where: isSpace) ?? rest.endIndex
            var word = Substring(rest[..<end])
            rest = rest[end...]
            if !excluded, let op = [("AND", Item.and), ("OR", .or), ("NOT", .not)].first(where: { $0.0 == word }) {
                items.append(op.1)
                continue
            }
            let starred = word.unicodeScalars.last == "*"
            if starred { word = Substring(word.unicodeScalars.dropLast()) }
            let prefix = isPrefix(String(word), starred: starred)
            // A word with no letters or digits (punctuation) matches nothing: leave it out.
            if !SearchSnippet.terms(String(word)).isEmpty { items.append(.term(String(word), prefix: prefix, excluded: excluded)) }
        }
        return items
    }
}
