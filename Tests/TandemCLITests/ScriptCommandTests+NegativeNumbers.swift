import Foundation
import Testing

/// A negative number given to a numeric option is a bad value the command explains, not "Missing
/// value" (the parser took `-3` for an option, so the checks that say what is expected never ran),
/// and nothing is posted with it.
extension TandemCLIScriptTests {
    @Test func aNegativeNumberIsExplainedNotCalledMissing() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let cases: [([String], String)] = [
            (["post", "s1", "x", "--tokens-in", "-3"], "--tokens-in and --tokens-out must be 0 or more"),
            (["post", "s1", "x", "--tokens-out", "-1"], "--tokens-in and --tokens-out must be 0 or more"),
            (["post", "s1", "x", "--attempts", "-1"], "--attempts must be 1...100, got -1"),
            (["post", "s1", "x", "--attempts", "0"], "--attempts must be 1...100, got 0"),
            (["history", "s1", "--last", "-5"], "--last must be 1...1000, got -5"),
            (["history", "s1", "--since", "-1"], "--since must be a turn seq (0 or more), got -1"),
            (["tail", "s1", "--last", "-1"], "--last must be 0...1000, got -1"),
            (["open", "s1", "--last", "-1"], "--last must be 0...1000, got -1"),
            (["search", "x", "--limit", "-1"], "--limit must be from 1 to 1000, got -1"),
            (["undo", "s1", "--seq", "-1"], "--seq must be a turn number (1 or more), got -1"),
            (["branch", "s1", "--at", "-1"], "--at must be a turn number (0 or more), got -1"),
            (["set", "s1", "k", "1", "--base", "-1"], "--base must be a version (0 or more), got -1"),
            (["comments", "s1", "--seq", "-1"], "--seq must be a turn number (1 or more), got -1"),
        ]
        for (arguments, expected) in cases {
            let run = try f.run(arguments)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(expected), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Missing value"), "\(arguments): \(run.stderr)")
        }
        #expect(try f.run(["history", "s1"]).stderr == "no turns yet\n", "nothing was posted")
    }
}
