import Foundation
import Testing

/// A bad new session id or an empty row key is refused before anything is sent, in the words of the
/// command the user typed: the server's refusal named the wire's fields and operations instead
/// (`session.create: field 'session' ...`, `state.get: field 'key' ...` for `tandem set`).
extension TandemCLIScriptTests {
    @Test func aBadIdOrAnEmptyKeyIsRefusedInTheCommandsOwnWords() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let idRule = "--id must be 1-64 characters of A-Z a-z 0-9 _ -, got 'bad id'"
        let cases: [([String], String)] = [
            (["create", "X", "--id", "bad id"], idRule),
            (["branch", "s1", "--id", "bad id"], idRule),
            (["import", "/dev/null", "--id", "bad id"], idRule),
            (["set", "s1", "", "1"], "KEY must not be empty: tandem set s1 KEY JSON"),
            (["set", "s1", "", "1", "--base", "0"], "KEY must not be empty"),
            (["state", "s1", ""], "KEY must not be empty (leave it out for every row)"),
        ]
        for (arguments, expected) in cases {
            let run = try f.run(arguments)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(expected), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("field '"), "\(arguments) named a wire field: \(run.stderr)")
        }
        let listed = try f.run(["sessions", "--json"]).stdout.split(separator: "\n")
        #expect(listed.count == 1, "nothing was made: \(listed)")
    }
}
