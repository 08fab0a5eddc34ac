import Foundation
import Testing

/// A turn the server refuses (the role was lowered while typing) is not lost: it is back on the input
/// line, and Enter posts it once the role allows it again.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aRefusedTurnGoesBackOnTheInputLine() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try t.start("bob", command: command(f, "bob"))
        try t.waitFor("bob", contains: "you are write")
        #expect(try f.run(["role", "s1", "bob", "read"]).status == 0)
        try t.waitFor("bob", contains: "bob is now read")
        try t.type("bob", "my precious draft")
        let refused = try t.waitFor("bob", contains: "back on the input line")
        #expect(refused.contains("! forbidden:"), "\(refused)")
        #expect(try t.waitFor("bob") { $0.split(separator: "\n").last?.hasSuffix("s1> my precious draft") == true }
                .split(separator: "\n").last?.hasSuffix("s1> my precious draft") == true)
        #expect(try f.run(["role", "s1", "bob", "write"]).status == 0)
        try t.waitFor("bob", contains: "bob is now write")
        try t.tmux(["send-keys", "-t", "bob", "Enter"])
        #expect(try t.waitFor("bob", contains: "bob (user): my precious draft").contains("#1"))
    }
}
