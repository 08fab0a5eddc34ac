import Foundation
import Testing

/// Ctrl-Z in the view: raw mode reads it as a byte, so the view itself must stop as a shell job
/// does, give the shell its terminal settings back, and take up where it was on `fg`.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available && FileManager.default.isExecutableFile(atPath: "/bin/bash"), "needs tmux and bash"))
    func ctrlZSuspendsTheViewAsAJobAndFgResumesIt() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        // An interactive shell, for job control (a pane's `sh -c` has none: a stop would be discarded).
        try t.start("alice", command: "/bin/bash --norc --noprofile -i")
        // Its prompt: `$`, or `#` as root.
        try t.waitFor("alice") { $0.contains("$") || $0.contains("#") }
        try t.type("alice", "\(CLIFixture.binary) --url \(f.url) --token \(f.tokens["alice"]!) open s1")
        try t.waitFor("alice", contains: "you are owner")
        try t.tmux(["send-keys", "-t", "alice", "-l", "kept draft"])
        try t.waitFor("alice", contains: "s1> kept draft")
        try t.tmux(["send-keys", "-t", "alice", "C-z"])
        let stopped = try t.waitFor("alice", contains: "Stopped")
        #expect(stopped.contains("Stopped"), "\(stopped)")
        // Back in the shell: its line discipline echoes again (the view left raw mode).
        try t.type("alice", "echo shell-is-back")
        try t.waitFor("alice", contains: "\nshell-is-back")
        try t.type("alice", "fg")
        // Raw mode again: the draft is still there, Enter posts it, and the view goes on.
        try t.waitFor("alice") { $0.split(separator: "\n").last?.hasSuffix("s1> kept draft") == true }
        try t.tmux(["send-keys", "-t", "alice", "Enter"])
        #expect(try t.waitFor("alice", contains: "alice (user): kept draft").contains("#1"))
        #expect(try f.run(["history", "s1"]).stdout.contains("alice (user): kept draft"))
        try t.tmux(["send-keys", "-t", "alice", "C-d"])
        // Its status once back in the shell (not chained with `;`: bash runs the rest of a list as
        // soon as the job stops). The prompt ends in a space (`bash-5.2# `).
        let shellPrompt = try t.waitFor("alice") { screen in
            screen.split(separator: "\n").last.map { $0.hasSuffix("# ") || $0.hasSuffix("$ ") } == true
        }
        #expect(shellPrompt.split(separator: "\n").last.map { $0.hasSuffix("# ") || $0.hasSuffix("$ ") } == true, "\(shellPrompt)")
        try t.type("alice", "echo \"view-status-$?\"")
        #expect(try t.waitFor("alice", contains: "\nview-status-").contains("\nview-status-0"))
    }
}
