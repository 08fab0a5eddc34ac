import Foundation
import Testing
@testable import TandemStore

/// What `session.search` documents: words (all must match), "phrases", prefix*, AND, OR, NOT and
/// -word; anything else is text; a query the grammar refuses says why.
@Suite struct SearchQueryTests {
    @Test func theDocumentedSyntaxBecomesQuotedFTS5() throws {
        #expect(try SearchQuery("merge conflict").match == #""merge" AND "conflict""#)
        #expect(try SearchQuery("merg* OR \"three way\"").match == #""merg" * OR "three way""#)
        #expect(try SearchQuery("quick AND fox NOT lazy").match == #""quick" AND "fox" NOT "lazy""#)
        #expect(try SearchQuery("quokka -hello").match == #""quokka" NOT "hello""#)
        // FTS5's other syntax is only text: no column filter, no NEAR group, no error.
        #expect(try SearchQuery("title:x NEAR(a b) ^c").match == #""title:x" AND "NEAR(a" AND "b)" AND "^c""#)
        #expect(try SearchQuery("and or not").match == #""and" AND "or" AND "not""#) // lower case: words
        let q = try SearchQuery("Merg* \"Three Way\" -skip")
        #expect(q.words == ["merg", "three", "way"] && q.prefixes == ["merg"]) // "skip" is excluded: never highlighted
        // At the caps: 16 terms, 4 of them prefixes.
        _ = try SearchQuery((1...12).map { "w\($0)" }.joined(separator: " ") + " a* b* c* d*")
    }

    @Test func queriesTheGrammarRefusesSayWhy() {
        for (query, reason) in [("\"open", "never closed"), ("AND fox", "AND needs"), ("fox OR", "OR needs"),
                                ("fox AND OR cat", "AND needs"), ("-fox", "excludes from nothing"), ("fox NOT -cat", "NOT needs"),
                                ("   ", "empty"), ("!! ??", "empty"),
                                // Each term costs a walk of the index: a query holds at most 16, 4 of them prefixes.
                                (Array(repeating: "k", count: 17).joined(separator: " OR "), "at most 16 words or phrases"),
                                (Array(repeating: "k*", count: 5).joined(separator: " "), "at most 4 prefix* terms")] {
            #expect(throws: StoreError.self, "\(query)") { _ = try SearchQuery(query) }
            let message = (try? SearchQuery(query)) == nil ? (Result { try SearchQuery(query) }.failureMessage) : ""
            #expect(message.contains(reason), "\(query): \(message)")
        }
    }

    /// Found by the `search` fuzz target: FTS5 reads an expression only up to a NUL, so a query
    /// holding one ("a\u0000b" on the wire) failed in SQLite ("unterminated string") and the
    /// member was answered `internal`. A NUL separates words, in the query as in the turns.
    @Test func aNULInTheQuerySeparatesWords() throws {
        try withStore { store in
            try makeSession(store)
            let nul = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "alpha\u{0}beta"))
            let space = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "alpha beta"))
            for query in ["alpha\u{0}beta", "\"alpha\u{0}beta\"", "alpha\u{0}be*", "x OR alpha\u{0}"] {
                let found = try store.search(query).compactMap(\.turnSeq)
                #expect(found == [space.seq, nul.seq], "\(query.debugDescription)")
            }
            // Alone it is no word: refused as an empty search, not failed in SQLite.
            #expect(Result { try store.search("\u{0}") }.failureMessage.contains("empty"))
        }
    }

    /// Found by the `search` fuzz target: a `"` followed by a combining mark is one `Character`
    /// with it, so quoting by replacing `"` with `""` in the `String` left that quote alone: it
    /// ended the FTS5 string early, and what followed in the word was FTS5 syntax. Usually an
    /// SQLite error (`internal` to the member); crafted, operators and prefixes in one word, past
    /// the limits on terms. Quoted scalar by scalar, the word is one string, as any other.
    @Test func aQuoteWithACombiningMarkStaysInsideTheTerm() throws {
        try withStore { store in
            try makeSession(store)
            let turn = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "ok\"\u{301}x \"\u{E31}"))
            let other = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "beta"))
            for query in ["ok\"\u{301}x", "ok\"\u{301}x*"] {
                #expect(try store.search(query).compactMap(\.turnSeq) == [turn.seq], "\(query.debugDescription)")
            }
            // Once the quote ended the string, this was `"ok" ́ OR "beta"`; now it is one phrase, found nowhere.
            #expect(try store.search("ok\"\u{301}OR\"beta").isEmpty)
            #expect(try store.search("beta").compactMap(\.turnSeq) == [other.seq])
        }
    }

    /// Found by the `search` fuzz target: a space followed by a combining mark is one `Character`
    /// with it, and whitespace as a `Character`; the query was split by `Character`, so in
    /// `x ัa` the mark went with the space and the words were `x` and `a`, while the index (fed
    /// code points, `SearchText`) holds `ัa`: the turn holding the text was not found by it.
    /// The query is now read by code point, as the index is.
    @Test func aMarkAfterASpaceStaysWithTheWordAfterIt() throws {
        #expect(try SearchQuery("x \u{E31}a").match == "\"x\" AND \"\u{E31}a\"")
        #expect(try SearchQuery("\"a b\"\u{301}").match == "\"a b\"") // the quote closes; a lone mark is no word
        try withStore { store in
            try makeSession(store)
            let turn = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x \u{E31}a"))
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x a"))
            #expect(try store.search("x \u{E31}a").compactMap(\.turnSeq) == [turn.seq])
            #expect(try store.search("\u{E01} \u{E31}\u{130}").isEmpty)
        }
    }

    @Test func searchPagesFilterByStatusBeforeTheLimitAndFollowTheOperators() throws {
        try withStore { store in
            try makeSession(store, title: "banana plans")
            for i in 1...5 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "banana number \(i)")) }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "quick merge of foxes"))
            _ = try store.createSession(id: "p1", title: "paused banana", owner: "alice")
            _ = try store.pauseSession(id: "p1", actor: "alice")
            // Every hit, two at a time: the title hits, then turns newest first.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try store.searchPage("banana", member: "alice", cursor: cursor, limit: 2)
                #expect(page.hits.count <= 2)
                seen += page.hits.map { "\($0.sessionID):\($0.turnSeq.map(String.init) ?? "title")" }
                cursor = page.nextCursor
            } while cursor != nil
            #expect(Set(seen.prefix(2)) == ["s1:title", "p1:title"])
            #expect(Array(seen.dropFirst(2)) == ["s1:5", "s1:4", "s1:3", "s1:2", "s1:1"])
            #expect(try store.searchPage("banana", member: "alice", status: .paused, limit: 1).hits.map(\.sessionID) == ["p1"])
            #expect(try store.search("fox*", member: "alice").map(\.turnSeq) == [6])
            #expect(try store.search("fox*", member: "alice").first?.snippet.contains("[foxes]") == true)
            #expect(try store.search("quick AND merge").map(\.turnSeq) == [6])
            #expect(try store.search("quick OR number").count == 6)
            #expect(try store.search("banana -number").map(\.turnSeq) == [nil, nil])
            #expect(errorCode { _ = try store.searchPage("banana", cursor: "junk") } == "invalid_argument")
        }
    }

    /// What follows NOT is excluded as -word is: a hit never holds it as a match, so its snippet
    /// must not mark it (found by Tests/interop/model's search run: `x1 NOT "review delta"` marked
    /// a lone "review").
    @Test func wordsAfterNOTAreNotHighlighted() throws {
        let q = try SearchQuery("x1 NOT \"review delta\" AND plan")
        #expect(q.words == ["x1", "plan"])
        #expect(try SearchQuery("merge NOT conf*").prefixes.isEmpty)
        try withStore { store in
            try makeSession(store, title: "t")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "review x1 not rev"))
            #expect(try store.search("x1 NOT \"review delta\"", member: "alice").map(\.snippet) == ["review [x1] not rev"])
        }
    }

    /// `-word` and `NOT word` exclude that word only; the words after it must still match, as every
    /// word must (found by the model check: FTS5 binds bare words tighter than NOT, so
    /// `pl* -beta x1` was `pl* NOT (beta x1)` and found turns without x1).
    @Test func wordsAfterAnExclusionMustStillMatch() throws {
        try withStore { store in
            try makeSession(store, title: "t")
            for content in ["plan x1", "plan beta", "plan only", "plan beta x1"] {
                _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: content))
            }
            #expect(try store.search("pl* -beta x1", member: "alice").map(\.turnSeq) == [1])
            #expect(try store.search("plan NOT beta x1", member: "alice").map(\.turnSeq) == [1])
            #expect(try store.search("x1 OR plan -beta only", member: "alice").map(\.turnSeq) == [4, 3, 1])
        }
    }
}

private extension Result where Failure == any Error {
    init(_ body: () throws -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }

    var failureMessage: String {
        if case .failure(let error as StoreError) = self { return error.message }
        return ""
    }
}
