import Foundation
import Testing

/// What a newcomer trips over in the view: their own arrival announced after the list that already
/// names them, a mistyped command with no hint, no way to post a line starting with `/`, and
/// `/stats` wrapping its columns into each other in a narrow window.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aNewcomerGetsHintsAndCleanOutput() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try t.start("alice", command: command(f, "alice"))
        try t.waitFor("alice", contains: "you are owner")
        try t.start("bob", command: command(f, "bob"))
        try t.waitFor("bob", contains: "you are write")
        try t.waitFor("alice", contains: "bob joined")

        // bob's own join is in the list the join answer printed; it is not announced again. The
        // answer to /who comes after the presence event on the same connection.
        try t.type("bob", "/who")
        let bobScreen = try t.waitFor("bob", contains: "● bob (Bob) write")
        #expect(!bobScreen.contains("bob joined"), "\(bobScreen)")
        #expect(bobScreen.components(separatedBy: "online: alice, bob").count == 3, "the answer's list and /who's: \(bobScreen)")

        // A typo names the command meant; `//` posts a line that starts with `/`.
        try t.type("bob", "/histroy")
        #expect(try t.waitFor("bob", contains: "unknown command /histroy").contains("did you mean /history?"))
        try t.type("bob", "//usr/local/bin is on the PATH")
        #expect(try t.waitFor("alice", contains: "bob (user): /usr/local/bin is on the PATH").contains("#1"))
        try t.type("bob", "/help")
        try t.waitFor("bob", contains: "A line starting with // is posted as text")

        // At 50 columns /stats is one record per member, none wider than the window.
        try t.tmux(["resize-window", "-t", "alice", "-x", "50", "-y", "30"])
        try t.type("alice", "/stats")
        let stats = try t.waitFor("alice", contains: "tokens in/out: 0/0")
        #expect(stats.contains("user:          bob"), "\(stats)")
        #expect(!stats.contains("user   turns"), "\(stats)")
    }
}
