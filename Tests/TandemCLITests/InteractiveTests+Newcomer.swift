import Foundation
import Testing

/// What a newcomer trips over in the view: their own arrival announced after the list that already
/// names them, a mistyped command with no hint, no way to post a line starting with `/`, `/export`
/// replacing a file unasked, and `/stats` wrapping its columns into each other in a narrow window.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aNewcomerGetsHintsAndCleanOutput() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "alice", as: "owner")
        try openView(t, f, "bob", as: "write")
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

        // /export leaves an existing file alone unless told (--force), and names a missing directory.
        let file = f.directory.appendingPathComponent("s1 export.json").path
        try t.type("alice", "/export \(file)")
        try t.waitFor("alice", contains: "exported to \(file)")
        try "keep me".write(toFile: file, atomically: true, encoding: .utf8)
        try t.type("alice", "/export \(file)")
        try t.waitFor("alice", contains: "\(file) exists; to replace it: /export \(file) --force")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
        try t.type("alice", "/export \(file) --force")
        try t.waitFor("alice") { $0.components(separatedBy: "exported to \(file)").count == 3 }
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("\"turns\""))
        try t.type("alice", "/export /nonexistent-dir/x.json")
        try t.waitFor("alice", contains: "cannot write /nonexistent-dir/x.json: there is no directory /nonexistent-dir")

        // Ctrl-L clears the screen, as in a shell, and keeps the draft on the prompt line.
        try t.tmux(["send-keys", "-t", "bob", "-l", "draft"])
        try t.tmux(["send-keys", "-t", "bob", "C-l"])
        // The visible pane only (tmux may keep what was cleared in its scrollback).
        var visible = ""
        for _ in 0..<50 where visible.trimmingCharacters(in: .whitespacesAndNewlines) != "s1> draft" {
            Thread.sleep(forTimeInterval: 0.1)
            visible = try t.tmux(["capture-pane", "-p", "-t", "bob"])
        }
        #expect(visible.trimmingCharacters(in: .whitespacesAndNewlines) == "s1> draft", "\(visible)")
        try t.tmux(["send-keys", "-t", "bob", "C-u"])

        // At 50 columns /stats is one record per member, none wider than the window.
        try t.tmux(["resize-window", "-t", "alice", "-x", "50", "-y", "30"])
        try t.type("alice", "/stats")
        let stats = try t.waitFor("alice", contains: "tokens in/out: 0/0")
        #expect(stats.contains("user:          bob"), "\(stats)")
        #expect(!stats.contains("user   turns"), "\(stats)")
    }
}

/// `/export` to a file named by one character, in the view's working directory: Foundation's
/// `NSString.deletingLastPathComponent` traps on such a path, and the client ended there.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func anExportToAOneCharacterNameIsWritten() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try t.start("alice", command: "cd '\(f.directory.path)' && " + command(f, "alice"))
        try t.waitFor("alice", contains: "you are owner")
        try t.type("alice", "/export a")
        try t.waitFor("alice", contains: "exported to a")
        let written = try String(contentsOfFile: f.directory.appendingPathComponent("a").path, encoding: .utf8)
        #expect(written.contains("\"turns\""))
        try t.type("alice", "/who")
        try t.waitFor("alice", contains: "online: alice")
    }
}

/// A `/set` conflict's questions can be left: the prompt shows that the next line answers the
/// conflict, and an empty line in the value editor goes back to the choice (the editor took only
/// valid JSON, so a newcomer who changed their mind was stuck there until they left the view).
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aConflictEditCanBeDroppedAndThePromptSaysWhatItAsks() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        #expect(try f.run(["set", "s1", "plan", #"{"steps":["a"]}"#]).status == 0)
        try openView(t, f, "bob", as: "write")
        #expect(try f.run(["set", "s1", "plan", #"{"steps":["alice"]}"#]).status == 0)
        try t.waitFor("bob", contains: #"state plan = {"steps":["alice"]} v2"#)
        try t.type("bob", #"/set plan {"steps":["bob"]}"#)
        let asked = try t.waitFor("bob") { $0.split(separator: "\n").last == "ours|theirs|edit> " }
        #expect(asked.split(separator: "\n").last == "ours|theirs|edit> ", "\(asked)")
        try t.type("bob", "edit")
        try t.waitFor("bob") { $0.split(separator: "\n").last?.hasPrefix("plan json> ") == true }
        try t.tmux(["send-keys", "-t", "bob", "C-u", "Enter"])
        let dropped = try t.waitFor("bob", contains: "edit dropped; resolve with: ours | theirs | edit")
        #expect(dropped.split(separator: "\n").last == "ours|theirs|edit> ", "\(dropped)")
        try t.type("bob", "theirs")
        let kept = try t.waitFor("bob", contains: "kept theirs: plan stays at v2")
        #expect(kept.split(separator: "\n").last == "s1> ", "\(kept)")
        #expect(try f.run(["state", "s1", "plan"]).stdout.contains(#"{"steps":["alice"]}  v2"#))
    }
}
