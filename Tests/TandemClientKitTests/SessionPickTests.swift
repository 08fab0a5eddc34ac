import Testing
@testable import TandemClientKit

/// The session picker: a number or a listed id opens that session; anything else is a new title.
@Suite struct SessionPickTests {
    let ids = ["review", "retro-2", "7"]

    @Test func aListedIdOpensThatSessionRatherThanMakingOneTitledWithIt() {
        #expect(SessionPick.choose("retro-2", listed: ids) == .open("retro-2"))
        #expect(SessionPick.choose("  review\t", listed: ids) == .open("review"))
        // Ids are case-sensitive on the server: another spelling is a title.
        #expect(SessionPick.choose("Review", listed: ids) == .create(title: "Review"))
    }

    @Test func numbersPickLinesAndAnIdThatIsANumberStillOpens() {
        #expect(SessionPick.choose("1", listed: ids) == .open("review"))
        #expect(SessionPick.choose("3", listed: ids) == .open("7"))
        #expect(SessionPick.choose("7", listed: ids) == .open("7"))
        #expect(SessionPick.choose("9", listed: ids) == .noSuchNumber(9))
        #expect(SessionPick.choose("0", listed: ids) == .noSuchNumber(0))
    }

    @Test func blankAsksAgainAndOtherTextIsATitle() {
        #expect(SessionPick.choose("", listed: ids) == .nothing)
        #expect(SessionPick.choose(" \t ", listed: ids) == .nothing)
        #expect(SessionPick.choose("Sprint retro", listed: ids) == .create(title: "Sprint retro"))
        // With nothing listed, a number is a title too.
        #expect(SessionPick.choose("2026", listed: []) == .create(title: "2026"))
    }

    @Test func whatCouldBeAnId() {
        #expect(SessionPick.couldBeID("review-2_B"))
        #expect(SessionPick.couldBeID(String(repeating: "a", count: 64)))
        #expect(!SessionPick.couldBeID(String(repeating: "a", count: 65)))
        #expect(!SessionPick.couldBeID("Sprint retro"))
        #expect(!SessionPick.couldBeID("設計"))
        #expect(!SessionPick.couldBeID(""))
    }

    @Test func oneTurnIsSingular() {
        #expect(SessionPick.listLine(number: 2, id: "review", title: "Design review", role: "write", turns: 1)
            == "  2. review  Design review  (write, 1 turn)")
        #expect(SessionPick.listLine(number: 1, id: "a", title: "A", role: "owner", turns: 0).hasSuffix("(owner, 0 turns)"))
    }
}
