import Foundation
import Testing

extension TandemCLIInteractiveTests {
    /// `tandem login --token -` at a terminal asks for the token and does not echo it; the answer
    /// names the user the token is.
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func loginAsksForTheTokenWithoutEchoingIt() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        let config = f.directory.appendingPathComponent("config-home").path
        try t.start("login", command: "XDG_CONFIG_HOME=\(config) \(CLIFixture.binary) login --url \(f.url) --token -; sleep 30")
        try t.waitFor("login", contains: "token (typing is not shown):")
        let secret = f.tokens["bob"]!
        try t.type("login", secret)
        let screen = try t.waitFor("login", contains: "saved \(f.url)")
        #expect(screen.contains("(you are bob)"), "\(screen)")
        #expect(!screen.contains(secret), "the token stayed on the screen: \(screen)")
        let saved = try String(contentsOfFile: config + "/tandem/config", encoding: .utf8)
        #expect(saved.contains(secret))
    }
}
