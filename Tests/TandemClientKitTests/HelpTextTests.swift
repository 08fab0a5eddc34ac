import Testing
@testable import TandemClientKit

/// `/help` in a narrow window: every line fits and words stay whole (the terminal cut them: `N` / `AME`).
@Suite struct HelpTextTests {
    @Test(arguments: [30, 43, 44, 60, 80])
    func everyLineFitsAndNoWordIsCut(width: Int) {
        let lines = SlashCommand.help(width: width)
        for line in lines {
            #expect(TerminalColumns.width(line) <= width, "\(width): \(line)")
        }
        // The same words, in the same order, as the unwrapped help.
        let words = { (ls: [String]) in ls.flatMap { $0.split(separator: " ").map(String.init) } }
        #expect(words(lines) == words(SlashCommand.help(width: nil)))
    }

    @Test func wideWindowsKeepOneLinePerCommandAndNarrowOnesIndentUnderTheDescription() {
        #expect(SlashCommand.help(width: 200) == SlashCommand.help(width: nil))
        let sixty = SlashCommand.help(width: 60)
        let template = sixty.firstIndex { $0.hasPrefix("  /template NAME") }!
        #expect(sixty[template] == "  /template NAME        save this session as your template")
        #expect(sixty[template + 1] == String(repeating: " ", count: 24) + "NAME (admin)")
        let thirty = SlashCommand.help(width: 30)
        let share = thirty.firstIndex { $0.hasPrefix("  /share") }!
        #expect(thirty[share] == "  /share [--expires 7d]")
        #expect(thirty[share + 1] == "    create a read-only share")
    }

    @Test func wrapCountsWideCharactersAndCutsOnlyWordsLongerThanALine() {
        #expect(TextWrap.lines("设计 review", width: 4) == ["设计", "revi", "ew"])
        #expect(TextWrap.lines("a bb ccc", width: 4) == ["a bb", "ccc"])
        #expect(TextWrap.lines("", width: 10) == [""])
    }
}
