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
        #expect(try parse("/clear --yes") == .clear)
        #expect(try parse("/who") == .who)
        #expect(try parse("/state") == .state(key: nil))
        #expect(try parse("/state plan") == .state(key: "plan"))
        #expect(try parse(#"/set plan {"steps": ["a", "b"]}"#) == .set(key: "plan", value: ["steps": ["a", "b"]]))
        #expect(try parse("/set n 3") == .set(key: "n", value: 3))
        #expect(try parse("/set n null") == .set(key: "n", value: .null))
        #expect(try parse("/comment 12 nice one, really") == .comment(seq: 12, text: "nice one, really"))
        #expect(try parse("/checkpoint before refactor") == .checkpoint(name: "before refactor"))
        #expect(try parse("/restore v1 --yes") == .restore(name: "v1"))
        #expect(try parse("/restore before the merge --yes") == .restore(name: "before the merge"))
        #expect(try parse("/branch Plan B") == .branch(name: "Plan B"))
        #expect(try parse("/merge") == .merge)
        #expect(try parse("/export out.json") == .export(file: "out.json"))
        #expect(try parse("/export out.json --force") == .export(file: "out.json", force: true))
        #expect(try parse("/export my out.json --force") == .export(file: "my out.json", force: true))
        #expect(try SlashCommand.parse("/export ~/o.json --force", home: "/h") == .export(file: "/h/o.json", force: true))
        #expect(try parse("/export  my notes/out 1.json ") == .export(file: "my notes/out 1.json"))
        #expect(try SlashCommand.parse("/export ~/out.json", home: "/home/ada") == .export(file: "/home/ada/out.json"))
        #expect(try SlashCommand.parse("/export ~/a b.json", home: "/home/ada/") == .export(file: "/home/ada/a b.json"))
        #expect(try SlashCommand.parse("/export ~", home: "/home/ada") == .export(file: "/home/ada"))
        #expect(try SlashCommand.parse("/export ~ada/x.json", home: "/home/ada") == .export(file: "~ada/x.json"))
        #expect(try parse("/share") == .share(expiresInSeconds: 7 * 86_400))
        #expect(try parse("/share --expires 12h") == .share(expiresInSeconds: 43_200))
        #expect(try parse("/role bob write") == .role(user: "bob", role: "write"))
        #expect(try parse("/stats") == .stats)
        #expect(try parse("/help") == .help)
        #expect(try parse("/exit") == .exit)
        #expect(try parse("/quit") == .exit)
        #expect(try parse("   /who   ") == .who)
    }

    @Test func sessionManagementCommandsParse() throws {
        #expect(try parse("/info") == .info)
        #expect(try parse("/title  Design review (final) ") == .title("Design review (final)"))
        #expect(try parse(#"/metadata {"team": "core"}"#) == .metadata(["team": "core"]))
        #expect(try parse("/metadata {}") == .metadata([:]))
        #expect(try parse("/pause") == .pause)
        #expect(try parse("/resume") == .resume)
        #expect(try parse("/archive") == .archive)
        #expect(try parse("/delete --yes") == .delete)
        #expect(try parse("/comments") == .comments(seq: nil))
        #expect(try parse("/comments 43") == .comments(seq: 43))
        #expect(try parse("/remove dave") == .remove(user: "dave"))
        #expect(try parse("/checkpoints") == .checkpoints)
        #expect(try parse("/branches") == .branches)
        #expect(try parse("/discard --yes") == .discard)
        #expect(try parse("/template weekly retro") == .template(name: "weekly retro"))
        #expect(try parse("/templates") == .templates)
        #expect(try parse("/shares") == .shares)
        #expect(try parse("/revoke sh-1") == .revoke(share: "sh-1"))
        #expect(try parse(#"/search "merge conflict" OR plan*"#) == .search(query: #""merge conflict" OR plan*"#))
        #expect(try parse("/search -word") == .search(query: "-word"))
    }

    @Test func sessionManagementMistakesSayWhatIsExpected() {
        #expect(error("/info now") == "/info takes no arguments")
        #expect(error("/title") == "usage: /title TEXT")
        #expect(error("/title    ") == "usage: /title TEXT")
        #expect(error("/metadata") == "usage: /metadata JSON")
        #expect(error("/metadata {oops")?.hasPrefix("/metadata: not valid JSON") == true)
        #expect(error("/metadata [1, 2]") == #"/metadata: the value must be a JSON object, like {"team":"core"} ({} clears it)"#)
        #expect(error(#"/metadata "core""#)?.contains("must be a JSON object") == true)
        #expect(error("/pause please") == "/pause takes no arguments")
        #expect(error("/resume x") == "/resume takes no arguments")
        #expect(error("/archive x") == "/archive takes no arguments")
        // Nothing irreversible without its confirmation; the refusal says what would happen.
        #expect(error("/delete") == "/delete removes this session and everything in it for every member, for good; confirm with /delete --yes")
        #expect(error("/delete yes") == "usage: /delete --yes")
        #expect(error("/delete --yes now") == "usage: /delete --yes")
        #expect(error("/discard") == "/discard deletes this branch and everything in it for every member, for good; confirm with /discard --yes")
        #expect(error("/discard -y") == "usage: /discard --yes")
        #expect(error("/comments x") == "/comments: SEQ must be a turn number (1 or more), got 'x'")
        #expect(error("/comments 0") == "/comments: SEQ must be a turn number (1 or more), got '0'")
        #expect(error("/comments 1 2") == "usage: /comments [SEQ]")
        #expect(error("/remove") == "usage: /remove USER")
        #expect(error("/remove bob carol") == "usage: /remove USER")
        #expect(error("/checkpoints all") == "/checkpoints takes no arguments")
        #expect(error("/branches x") == "/branches takes no arguments")
        #expect(error("/template") == "usage: /template NAME")
        #expect(error("/templates x") == "/templates takes no arguments")
        #expect(error("/shares x") == "/shares takes no arguments")
        #expect(error("/revoke") == "usage: /revoke LINK_ID (the id /shares lists, not the secret)")
        #expect(error("/revoke a b") == "usage: /revoke LINK_ID (the id /shares lists, not the secret)")
        #expect(error("/search") == "usage: /search QUERY")
        #expect(error("/search   ") == "usage: /search QUERY")
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
        #expect(error("/restore") == "usage: /restore NAME --yes")
        #expect(error("/restore --yes") == "usage: /restore NAME --yes")
        #expect(error("/restore v1")?.hasSuffix("confirm with /restore v1 --yes") == true)
        #expect(error("/clear")?.hasSuffix("confirm with /clear --yes") == true)
        #expect(error("/clear now") == "usage: /clear --yes")
        #expect(error("/branch") == "usage: /branch NAME")
        #expect(error("/export") == "usage: /export FILE [--force]")
        #expect(error("/export --force") == "usage: /export FILE [--force]")
        #expect(throws: CommandError.self) { try SlashCommand.parse("/export ~/x.json", home: nil) }
        #expect(error("/share 7d") == "usage: /share [--expires 7d]")
        #expect(error("/share --expires soon")?.hasPrefix("/share: invalid duration 'soon'") == true)
        #expect(error("/role bob") == "usage: /role USER ROLE")
        #expect(error("/role bob boss") == "/role: ROLE must be one of owner, admin, write, comment, read, got 'boss'")
        #expect(error("/stats x") == "/stats takes no arguments")
        #expect(error("/merge now") == "/merge takes no arguments")
        #expect(error("/frobnicate") == "unknown command /frobnicate; type /help for the list, or start the line with // to post it as text")
        #expect(error("/") == "empty command; type /help for the list")
        #expect(error("hello") != nil)
    }

    /// A mistyped or shortened command names the one it likely meant; a path is not taken for one.
    @Test func anUnknownCommandSuggestsTheOneMeant() {
        #expect(error("/histroy")?.hasPrefix("unknown command /histroy (did you mean /history?);") == true)
        #expect(error("/hist")?.hasPrefix("unknown command /hist (did you mean /history?);") == true)
        #expect(error("/checkpiont")?.hasPrefix("unknown command /checkpiont (did you mean /checkpoint?);") == true)
        #expect(error("/check")?.hasPrefix("unknown command /check (did you mean /checkpoint?);") == true)
        #expect(error("/HELP")?.hasPrefix("unknown command /HELP (did you mean /help?);") == true)
        // Ambiguous (state, stats) or far from everything: no guess.
        #expect(error("/st")?.hasPrefix("unknown command /st;") == true)
        #expect(error("/usr/bin/env")?.hasPrefix("unknown command /usr/bin/env;") == true)
        // Every name the suggestion can offer is a command that parses.
        for name in SlashCommand.names {
            #expect(SlashCommand.helpLines.contains { $0.hasPrefix("/\(name) ") } || ["quit"].contains(name), "\(name)")
        }
    }

    /// `//text` posts `/text`: the way to say a path or a command as a turn.
    @Test func aDoubleSlashLineIsTextWithOneSlashLess() {
        #expect(SlashCommand.escapedText("//usr/bin is where it lives") == "/usr/bin is where it lives")
        #expect(SlashCommand.escapedText("  //undo is the command") == "/undo is the command")
        #expect(SlashCommand.escapedText("//") == "/")
        #expect(SlashCommand.escapedText("/undo") == nil)
        #expect(SlashCommand.escapedText("a // comment") == nil)
        #expect(SlashCommand.helpFooter.contains("//"))
    }

    @Test func helpListsEveryCommand() {
        let names = ["/history", "/undo", "/clear", "/who", "/state", "/set", "/comment", "/checkpoint", "/restore",
                     "/branch", "/merge", "/export", "/share", "/role", "/stats", "/help", "/exit",
                     "/info", "/title", "/metadata", "/pause", "/resume", "/archive", "/delete", "/comments", "/remove",
                     "/checkpoints", "/branches", "/discard", "/template", "/templates", "/shares", "/revoke", "/search"]
        for name in names {
            #expect(SlashCommand.helpLines.contains { $0.hasPrefix(name + " ") }, "\(name) missing from /help")
        }
        #expect(SlashCommand.helpLines.count == names.count, "a /help line for a command this test does not know")
        // Every command named in /help parses (its usage line, with sample arguments, is accepted).
        let samples = ["N": "5", "KEY": "k", "JSON": "{}", "SEQ": "3", "TEXT": "t", "NAME": "n", "FILE": "f",
                       "USER": "u", "ROLE": "read", "LINK_ID": "sh-1", "QUERY": "q", "[N]": "", "[KEY]": "",
                       "[SEQ]": "", "[--expires": "--expires", "7d]": "7d", "--yes": "--yes"]
        for line in SlashCommand.helpLines {
            let usage = line.prefix(22).split(separator: " ").map { samples[String($0)] ?? String($0) }
            #expect(throws: Never.self, "\(line)") { try SlashCommand.parse(usage.joined(separator: " ")) }
        }
    }

    @Test func helpDescriptionsLineUp() {
        for line in SlashCommand.helpLines {
            let column = line.index(line.startIndex, offsetBy: 22)
            #expect(line[line.index(before: column)] == " " && line[column] != " ", "misaligned: \(line)")
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

    @Test func aNestedSubcommandMovesWithItsParent() {
        let nested = ["template": Set(["save"])]
        #expect(ArgumentOrder.normalize(["--url", "u", "--token", "t", "template", "save", "s1", "retro"],
                                        subcommands: ["template"], nested: nested)
                == ["template", "save", "--url", "u", "--token", "t", "s1", "retro"])
        // Only a known child moves: `save` is an argument of `post`, not a subcommand.
        #expect(ArgumentOrder.normalize(["--url", "u", "post", "save", "x"], subcommands: ["post"], nested: nested)
                == ["post", "--url", "u", "save", "x"])
        #expect(ArgumentOrder.normalize(["--url", "u", "template"], subcommands: ["template"], nested: nested)
                == ["template", "--url", "u"])
    }

    @Test func leavesOtherOrdersAlone() {
        #expect(ArgumentOrder.normalize(["open", "s1", "--url", "u"], subcommands: names) == ["open", "s1", "--url", "u"])
        #expect(ArgumentOrder.normalize(["--url", "u", "s1"], subcommands: names) == ["--url", "u", "s1"])
        #expect(ArgumentOrder.normalize([], subcommands: names) == [])
        #expect(ArgumentOrder.normalize(["--url"], subcommands: names) == ["--url"])
    }
}
