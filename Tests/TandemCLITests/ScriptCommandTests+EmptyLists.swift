import Foundation
import Testing

/// An empty listing says so on stderr (a bare prompt left a newcomer wondering whether anything
/// ran), as `tandem sessions` did; stdout stays empty for scripts, and --json says nothing at all.
extension TandemCLIScriptTests {
    @Test func anEmptyListingSaysSoOnStderrOnly() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        #expect(try f.run(["checkpoint", "s1", "bare"]).status == 0)
        let cases: [([String], String)] = [
            (["history", "s1"], "no turns yet"),
            (["history", "s1", "--since", "5"], "no turns after #5"),
            (["state", "s1"], "no state rows yet; write one with: tandem set s1 KEY JSON"),
            (["comments", "s1"], "no comments yet"),
            (["comments", "s1", "--seq", "3"], "no comments on #3"),
            (["checkpoint-rows", "s1", "bare"], "checkpoint bare holds no rows"),
            (["shares", "s1"], "no working share links; create one with: tandem share s1"),
            (["templates"], "no templates yet; save one with: tandem template save SESSION NAME"),
            (["search", "zebra"], "no matches"),
        ]
        for (args, note) in cases {
            let run = try f.run(args)
            #expect(run.status == 0 && run.stdout == "" && run.stderr == note + "\n", "\(args): \(run.stderr)")
            let json = try f.run(args + ["--json"])
            #expect(json.status == 0 && json.stdout == "" && json.stderr == "", "\(args) --json: \(json.stderr)")
        }
        #expect(try f.run(["checkpoints", "s2-missing"]).status == 2)
        let checkpoints = try f.run(["create", "Other", "--id", "s2"])
        #expect(checkpoints.status == 0)
        let none = try f.run(["checkpoints", "s2"])
        #expect(none.stdout == "" && none.stderr == "no checkpoints yet; save one with: tandem checkpoint s2 NAME\n", "\(none.stderr)")
    }
}
