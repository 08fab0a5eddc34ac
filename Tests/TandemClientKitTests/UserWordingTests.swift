import Testing
import TandemProtocol
@testable import TandemClientKit

/// What the client refuses before asking the server, and how it words the server's refusals:
/// blank titles, searches with nothing the index keeps, and a `branch.discard` that is refused.
@Suite struct UserWordingTests {
    @Test func aBlankTitleIsRefusedWithTheReason() {
        #expect(TitleText.problem("") == "a title needs some text (it is blank)")
        #expect(TitleText.problem("   \t") == "a title needs some text (it is blank)")
        #expect(TitleText.problem(#""""#)?.contains("empty pair of quotes") == true)
        #expect(TitleText.problem("''")?.contains("empty pair of quotes") == true)
        #expect(TitleText.problem("Design review") == nil)
        #expect(TitleText.problem("⭐") == nil, "any visible text is a title")
        #expect(TitleText.problem(#""x""#) == nil)
    }

    @Test func theViewRefusesABlankTitleOrBranchName() throws {
        for line in [#"/title """#, "/title ''", #"/branch """#] {
            do {
                _ = try SlashCommand.parse(line)
                Issue.record("\(line) parsed")
            } catch {
                #expect(error.message.contains("a title needs some text"), "\(error.message)")
            }
        }
        #expect(try SlashCommand.parse("/title Design review (final)") == .title("Design review (final)"))
    }

    @Test func aSearchOfOnlySymbolsSaysNothingIsSearchable() {
        let star = SearchableText.problem("⭐")
        #expect(star == "nothing searchable in '⭐': search matches words and numbers; punctuation, symbols and emoji are not indexed")
        #expect(SearchableText.problem("*") != nil)
        #expect(SearchableText.problem(#""" -- ?!"#) != nil)
        #expect(SearchableText.problem("🎉🎉 🚀") != nil)
        #expect(SearchableText.problem("_") != nil, "an underscore separates words in the index")
        for searchable in ["merge", "⭐ merge", "42", "東京", "pl*", "-draft", "café", "Ⅻ"] {
            #expect(SearchableText.problem(searchable) == nil, "\(searchable)")
        }
        do {
            _ = try SlashCommand.parse("/search ⭐")
            Issue.record("/search ⭐ parsed")
        } catch {
            #expect(error.message.hasPrefix("/search: nothing searchable in '⭐'"))
        }
    }

    @Test func aRefusedDiscardSaysWhichCase() {
        let r = Renderer(color: false)
        // 2025-11-22 08:13 UTC.
        let merged = SessionInfo(id: "b-7", title: "Plan B", owner: "alice", status: .archived, created: 0,
                                 updated: 1_763_799_180_000, parent: BranchOrigin(session: "s-1", seq: 40))
        #expect(r.discardRefusal(branch: "b-7", session: merged)
                == "b-7 was merged into s-1 on 2025-11-22 08:13 and is kept, archived, as the record of that merge; to delete it anyway: tandem delete b-7 --yes")
        let plain = SessionInfo(id: "s-1", title: "Design review", owner: "alice", created: 0, updated: 0)
        #expect(r.discardRefusal(branch: "s-1", session: plain).hasPrefix("s-1 is not a branch (it was not forked from another session)"))
        #expect(r.discardRefusal(branch: "gone", session: nil)
                == "no session gone to discard: it does not exist, was already discarded or deleted, or you are not a member of it")
    }
}
