import Testing
import TandemJSON
@testable import TandemClientKit

@Suite struct SlashCommandTests {
    func parse(_ line: String) throws -> SlashCommand { try SlashCommand.parse(line) }

    func error(_ line: String) -> String? {
        do {
            _ = try SlashCommand.parse(line)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func everyCommandParses() throws {
        #expect(try parse("/history") == .history(count: 20))
        #expect(try parse("/history 5") == .history(count: 5))
        #expect(try parse("/undo") == .undo)
        #expect(try parse("/clear") == .clear)
        #expect(try parse("/who") == .who)
        #expect(try parse("/state") == .state(key: nil))
        #expect(try parse("/state plan") == .state(key: "plan"))
        #expect(try parse(#"/set plan {"steps": ["a", "b"]}"#) == .set(key: "plan", value: ["steps": ["a", "b"]]))
        #expect(try parse("/set n 3") == .set(key: "n", value: 3))
        #expect(try parse("/set n null") == .set(key: "n", value: .null))
        #expect(try parse("/comment 12 nice one, really") == .comment(seq: 12, text: "nice one, really"))
        #expect(try parse("/checkpoint before refactor") == .checkpoint(name: "before refactor"))
        #expect(try parse("/restore v1") == .restore(name: "v1"))
        #expect(try parse("/branch Plan B") == .branch(name: "Plan B"))
        #expect(try parse("/merge") == .merge)
        #expect(try parse("/export out.json") == .export(file: "out.json"))
        #expect(try parse("/share") == .share(expiresInSeconds: 7 * 86_400))
        #expect(try parse("/share --expires 12h") == .share(expiresInSeconds: 43_200))
        #expect(try parse("/role bob write") == .role(user: "bob", role: "write"))
        #expect(try parse("/stats") == .stats)
        #expect(try parse("/help") == .help)
        #expect(try parse("/exit") == .exit)
        #expect(try parse("/quit") == .exit)
        #expect(try parse("   /who   ") == .who)
    }

    @Test func badArgumentsSayWhatIsExpected() {
        #expect(error("/history abc") == "/history: N must be a number from 1 to 1000, got 'abc'")
        #expect(error("/history 0") != nil)
        #expect(error("/history 1001") != nil)
        #expect(error("/history 1 2") == "usage: /history [N]")
        #expect(error("/undo now") == "/undo takes no arguments")
        #expect(error("/set") == "usage: /set KEY JSON")
        #expect(error("/set plan") == "usage: /set KEY JSON")
        #expect(error("/set plan {oops")?.hasPrefix("/set: the value is not valid JSON") == true)
        #expect(error("/set name bob")?.contains("strings need quotes") == true)
        #expect(error("/comment") == "usage: /comment SEQ TEXT")
        #expect(error("/comment 3") == "usage: /comment SEQ TEXT")
        #expect(error("/comment x hello") == "/comment: SEQ must be a turn number (1 or more), got 'x'")
        #expect(error("/comment 0 hello") != nil)
        #expect(error("/checkpoint") == "usage: /checkpoint NAME")
        #expect(error("/restore") == "usage: /restore NAME")
        #expect(error("/branch") == "usage: /branch NAME")
        #expect(error("/export") == "usage: /export FILE")
        #expect(error("/export a b") == "usage: /export FILE")
        #expect(error("/share 7d") == "usage: /share [--expires 7d]")
        #expect(error("/share --expires soon")?.hasPrefix("/share: invalid duration 'soon'") == true)
        #expect(error("/role bob") == "usage: /role USER ROLE")
        #expect(error("/role bob boss") == "/role: ROLE must be one of owner, admin, write, comment, read, got 'boss'")
        #expect(error("/stats x") == "/stats takes no arguments")
        #expect(error("/merge now") == "/merge takes no arguments")
        #expect(error("/frobnicate") == "unknown command /frobnicate; type /help for the list")
        #expect(error("/") == "empty command; type /help for the list")
        #expect(error("hello") != nil)
    }

    @Test func helpListsEveryCommand() {
        let names = ["/history", "/undo", "/clear", "/who", "/state", "/set", "/comment", "/checkpoint", "/restore",
                     "/branch", "/merge", "/export", "/share", "/role", "/stats", "/help", "/exit"]
        for name in names {
            #expect(SlashCommand.helpLines.contains { $0.hasPrefix(name + " ") }, "\(name) missing from /help")
        }
    }
}

@Suite struct DurationParserTests {
    @Test func units() throws {
        #expect(try DurationParser.seconds("45s") == 45)
        #expect(try DurationParser.seconds("30m") == 1_800)
        #expect(try DurationParser.seconds("12h") == 43_200)
        #expect(try DurationParser.seconds("7d") == 604_800)
        #expect(try DurationParser.seconds("2w") == 1_209_600)
        #expect(try DurationParser.seconds("90") == 90)
        #expect(try DurationParser.seconds("7D") == 604_800)
        #expect(try DurationParser.seconds("365d") == 365 * 86_400)
    }

    @Test func rejectsNonsense() {
        for bad in ["", "d", "-1d", "0d", "1.5d", "7x", "seven days", "1y", "99999999999999999999d"] {
            #expect(throws: CommandError.self, "\(bad)") { try DurationParser.seconds(bad) }
        }
        #expect(throws: CommandError("duration '366d' is longer than 365 days")) { try DurationParser.seconds("366d") }
    }
}

@Suite struct ArgumentOrderTests {
    let names: Set<String> = ["open", "tail", "post"]

    @Test func movesSubcommandAfterLeadingFlags() {
        #expect(ArgumentOrder.normalize(["--url", "ws://x/ws", "--token", "t", "open", "s1"], subcommands: names)
                == ["open", "--url", "ws://x/ws", "--token", "t", "s1"])
        #expect(ArgumentOrder.normalize(["--url=ws://x/ws", "tail", "s1"], subcommands: names) == ["tail", "--url=ws://x/ws", "s1"])
    }

    @Test func leavesOtherOrdersAlone() {
        #expect(ArgumentOrder.normalize(["open", "s1", "--url", "u"], subcommands: names) == ["open", "s1", "--url", "u"])
        #expect(ArgumentOrder.normalize(["--url", "u", "s1"], subcommands: names) == ["--url", "u", "s1"])
        #expect(ArgumentOrder.normalize([], subcommands: names) == [])
        #expect(ArgumentOrder.normalize(["--url"], subcommands: names) == ["--url"])
    }
}
