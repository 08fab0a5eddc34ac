import Foundation
import Testing
@testable import TandemStore

/// The excerpt built for a turn hit (the index is contentless, so the store builds it from the
/// turn's text the way FTS5's `snippet(..., '[', ']', '…', 12)` would).
@Suite struct SearchSnippetTests {
    private func snippet(_ content: String, _ query: String) -> String {
        let query = try! SearchQuery(query)
        return SearchSnippet.make(content, terms: query.words, prefixes: query.prefixes, runs: query.runs)
    }

    @Test func shortTextIsShownWholeWithMatchesBracketed() {
        #expect(snippet("Ship the budget by Friday.", "budget") == "Ship the [budget] by Friday.")
        #expect(snippet("  leading space kept", "space") == "  leading [space] kept")
        #expect(snippet("no match here", "zebra") == "no match here")
    }

    @Test func caseAndDiacriticsAreIgnoredAsTheTokenizerDoes() {
        #expect(snippet("Café au lait, CAFE noir", "cafe") == "[Café] au lait, [CAFE] noir")
        #expect(snippet("re-run the e2e tests", "e2e run") == "re-[run] the [e2e] tests")
    }

    @Test func longTextIsCutToTwelveWordsAroundTheMatches() {
        let words = (1...40).map { "w\($0)" }
        let text = words.joined(separator: " ")
        let cut = snippet(text, "w20")
        #expect(cut == "…w18 w19 [w20] w21 w22 w23 w24 w25 w26 w27 w28 w29…")
        #expect(snippet(text, "w1") == "[w1] w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12…")
        #expect(snippet(text, "w40") == "…w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39 [w40]")
    }

    @Test func theWindowWithMostMatchesWins() {
        let text = "alpha " + (1...20).map { "x\($0)" }.joined(separator: " ") + " beta alpha beta gamma"
        #expect(snippet(text, "alpha beta").contains("[beta] [alpha] [beta]"))
    }

    @Test func theASCIIShortcutsAgreeWithTheUnicodeRules() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            #expect(SearchSnippet.isTokenCharacter(scalar) == SearchSnippet.unicodeTokenCharacter(scalar), "U+\(value)")
            let token = Substring(String(scalar))
            #expect(SearchSnippet.fold(token) == token.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil),
                    "U+\(value)")
        }
        #expect(SearchSnippet.fold("MiXeD42") == "mixed42")
        #expect(SearchSnippet.fold("ÉCOLE") == "ecole")
    }

    @Test func multiByteTextIsCutOnScalarBoundaries() {
        #expect(snippet("日本 語の テキスト 🙂 emoji", "テキスト") == "日本 語の [テキスト] 🙂 emoji")
        #expect(snippet("", "x") == "")
    }
}
