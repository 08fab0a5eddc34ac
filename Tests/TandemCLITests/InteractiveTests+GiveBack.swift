import Foundation
import Testing

/// A turn the server refuses is not lost, and does not trap what is typed next. Refused for a
/// role (lowered while typing), it is one Up away, and Enter posts it once the role allows it
/// again; the input line stays empty meanwhile, so a command typed after the refusal runs as a
/// command instead of being added to the refused text and posted with it.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aRefusedTurnIsOneUpAwayAndTheLineStaysFree() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "bob", as: "write")
        #expect(try f.run(["role", "s1", "bob", "read"]).status == 0)
        try t.waitFor("bob", contains: "bob is now read")
        try t.type("bob", "my precious draft")
        let refused = try t.waitFor("bob", contains: "Up brings your text back")
        #expect(refused.contains("! forbidden:"), "\(refused)")
        #expect(refused.contains("posting needs the write role"), "\(refused)")
        #expect(refused.split(separator: "\n").last == "s1> ", "the line is free: \(refused)")
        // A command typed next is a command (it was once added to the draft and posted with it).
        try t.type("bob", "/who")
        #expect(try t.waitFor("bob", contains: "● bob (Bob) read").contains("online:"))
        #expect(try f.run(["role", "s1", "bob", "write"]).status == 0)
        try t.waitFor("bob", contains: "bob is now write")
        try t.tmux(["send-keys", "-t", "bob", "Up", "Up"])
        try t.waitFor("bob") { $0.split(separator: "\n").last?.hasSuffix("s1> my precious draft") == true }
        try t.tmux(["send-keys", "-t", "bob", "Enter"])
        #expect(try t.waitFor("bob", contains: "bob (user): my precious draft").contains("#1"))
        let history = try f.run(["history", "s1", "--json"]).stdout
        #expect(!history.contains("/who"), "\(history)")
    }
}
