import Foundation
import Testing
import TandemJSON

/// What an agent posting its answers needs from `tandem post`: the turn's metadata and token
/// counts (they feed `stats`), its own idempotency key so a step run again after a crash does not
/// post twice, and the answer as JSON. Bad values are refused before anything is sent.
extension TandemCLIScriptTests {
    @Test func anAgentPostsMetadataTokensWithItsOwnNonceAndReadsJSON() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let args = ["post", "s1", "--role", "assistant", "--tokens-in", "812", "--tokens-out", "164",
                    "--metadata", #"{"model":"m1"}"#, "--nonce", "step-7", "--json", "-"]
        let first = try f.run(args, as: "bob", stdin: "the answer\n")
        #expect(first.status == 0, "\(first.stderr)")
        let answer = try JSONValue(parsing: first.stdout)
        #expect(answer["duplicate"] == false)
        #expect(answer["turn"]?["seq"] == 1)
        #expect(answer["turn"]?["role"] == "assistant")
        #expect(answer["turn"]?["content"] == "the answer")
        #expect(answer["turn"]?["metadata"] == ["model": "m1"])
        #expect(answer["turn"]?["tokens"] == ["input": 812, "output": 164])

        // The same step again (the agent crashed before it saw the answer): the first turn, no second.
        let again = try f.run(Array(args.dropLast(2)) + ["-"], as: "bob", stdin: "the answer\n")
        #expect(again.status == 0 && again.stdout == "#1 (already posted)\n", "\(again.stdout)\(again.stderr)")
        #expect(try f.run(["history", "s1", "--json"]).stdout.split(separator: "\n").count == 1)
        let stats = try f.run(["stats", "s1", "--json"]).stdout
        #expect(stats.contains(#""input":812"#) && stats.contains(#""output":164"#), "\(stats)")

        for (bad, reason) in [(["--metadata", "[1]"], "--metadata must be a JSON object"),
                              (["--tokens-in=-1"], "--tokens-in and --tokens-out must be 0 or more"),
                              (["--nonce", "has space"], "--nonce must be 1-64 characters")] {
            let refused = try f.run(["post", "s1", "x"] + bad)
            #expect(refused.status == 1 && refused.stderr.contains(reason), "\(bad): \(refused.stderr)")
        }
        #expect(try f.run(["history", "s1", "--json"]).stdout.split(separator: "\n").count == 1, "nothing posted")
    }
}
