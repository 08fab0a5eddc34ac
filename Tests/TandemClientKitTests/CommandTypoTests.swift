import Testing
@testable import TandemClientKit

/// A mistyped subcommand is caught before it is taken for a session id.
@Suite struct CommandTypoTests {
    let names: Set<String> = ["sessions", "search", "share", "shares", "history", "checkpoints", "open", "post", "tail"]

    @Test func nearMissesAreTypos() {
        #expect(CommandTypo.suggestion(for: "sesions", among: names) == "sessions")
        #expect(CommandTypo.suggestion(for: "histroy", among: names) == "history")
        #expect(CommandTypo.suggestion(for: "checkpionts", among: names) == "checkpoints")
        #expect(CommandTypo.suggestion(for: "Search", among: names) == "search")
        #expect(CommandTypo.suggestion(for: "sharez", among: names) == "share", "ties go to the first name in order")
    }

    @Test func idsAndCommandsAreLeftAlone() {
        for word in ["sessions", "s1", "pst", "design-review", "r-48", "--help", "retro", "standup"] {
            #expect(CommandTypo.suggestion(for: word, among: names) == nil, "\(word)")
        }
    }

    @Test func theCommandWordComesAfterConnectionOptions() {
        #expect(CommandTypo.commandWord(in: ["--url", "ws://x/ws", "--token=t", "sesions"]) == "sesions")
        #expect(CommandTypo.commandWord(in: ["--url", "ws://x/ws"]) == nil)
        #expect(CommandTypo.commandWord(in: []) == nil)
        #expect(CommandTypo.distance("", "abc") == 3 && CommandTypo.distance("kitten", "sitting") == 3)
    }
}
