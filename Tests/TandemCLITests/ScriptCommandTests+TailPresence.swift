import Foundation
import Testing

/// `tandem tail` (text) prints only presence that changes who is online: its own arrival came
/// right after the join answer that already listed it ('* bob joined' as the first event).
extension TandemCLIScriptTests {
    @Test func tailDoesNotAnnounceItsOwnArrival() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "before"])
        let outPath = f.directory.appendingPathComponent("tail.out").path
        let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--url", f.url, "--token", f.tokens["bob"]!],
                                environment: f.environment, stdoutPath: outPath, stderrPath: "/dev/null")
        defer { child.signal(SIGKILL); child.wait(timeout: 5) }
        #expect(FileLines(outPath).waitFor { $0.contains("alice (user): before") })
        let carolPath = f.directory.appendingPathComponent("carol.out").path
        let carol = try Spawned(CLIFixture.binary, ["tail", "s1", "--url", f.url, "--token", f.tokens["carol"]!],
                                environment: f.environment, stdoutPath: carolPath, stderrPath: "/dev/null")
        defer { carol.signal(SIGKILL); carol.wait(timeout: 5) }
        #expect(FileLines(outPath).waitFor { $0.contains("* carol joined") })
        #expect(!FileLines(outPath).lines.contains { $0.contains("bob joined") }, "\(FileLines(outPath).lines)")
        // --json passes every event on, its own arrival too.
        let jsonPath = f.directory.appendingPathComponent("json.out").path
        let json = try Spawned(CLIFixture.binary, ["tail", "s1", "--json", "--url", f.url, "--token", f.tokens["alice"]!],
                               environment: f.environment, stdoutPath: jsonPath, stderrPath: "/dev/null")
        defer { json.signal(SIGKILL); json.wait(timeout: 5) }
        #expect(FileLines(jsonPath).waitFor { $0.contains(#""user":"alice""#) && $0.contains("presence") })
    }
}
