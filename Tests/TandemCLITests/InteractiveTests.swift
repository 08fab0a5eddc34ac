import Foundation
import TandemStore
import Testing

/// The interactive client in a real pseudo-terminal (tmux) against a real server: two users see each
/// other live, an undo reaches both, a `/set` conflict is resolved with `ours`, a read-only user's
/// `/clear` is refused with the server's reason; a session is paused, described, searched, renamed and
/// deleted from the view, and its comments and checkpoints listed there.
@Suite(.serialized) struct TandemCLIInteractiveTests {
    func command(_ f: CLIFixture, _ user: String, _ extra: String = "open s1") -> String {
        "\(CLIFixture.binary) --url \(f.url) --token \(f.tokens[user]!) \(extra); sleep 30"
    }

    /// Opens session s1 as `user` in a pane of its own and waits until the view names `role`;
    /// returns the screen then.
    @discardableResult
    func openView(_ t: Tmux, _ f: CLIFixture, _ user: String, as role: String) throws -> String {
        try t.start(user, command: command(f, user))
        return try t.waitFor(user, contains: "you are \(role)")
    }

    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func twoUsersTalkUndoResolveAConflictAndAReaderIsRefused() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        #expect(try openView(t, f, "alice", as: "owner").contains("Design review"))
        #expect(try openView(t, f, "bob", as: "write").contains("s1>"))
        // Presence: alice's screen learns that bob is online.
        #expect(try t.waitFor("alice") { $0.contains("online: alice, bob") }.contains("bob joined"))

        // Live turns both ways.
        try t.type("alice", "hello from alice")
        #expect(try t.waitFor("bob", contains: "alice (user): hello from alice").contains("#1"))
        try t.type("bob", "hi alice, bob here")
        #expect(try t.waitFor("alice", contains: "bob (user): hi alice, bob here").contains("#2"))

        // A pasted paragraph (tmux pastes with bracketed-paste marks when the client asks) is one
        // turn with its line breaks, shown indented under its header.
        try t.tmux(["set-buffer", "-b", "para", "first line\nsecond line"])
        try t.tmux(["paste-buffer", "-p", "-b", "para", "-t", "alice"])
        try t.waitFor("alice", contains: "first line↵second line")
        try t.tmux(["send-keys", "-t", "alice", "Enter"])
        #expect(try t.waitFor("bob", contains: "  | second line").contains("alice (user): first line"))
        try t.type("alice", "/undo")
        try t.waitFor("bob", contains: "turn #3 was undone by alice")

        // An undo shows up for both.
        try t.type("bob", "/undo")
        #expect(try t.waitFor("alice", contains: "turn #2 was undone by bob").contains("undone"))
        #expect(try t.waitFor("bob", contains: "turn #2 was undone by bob").contains("undone"))

        // The prompt line is not garbled: a half-typed line survives an incoming turn.
        try t.tmux(["send-keys", "-t", "bob", "-l", "draft in progress"])
        try t.type("alice", "interrupting turn")
        let bobScreen = try t.waitFor("bob", contains: "alice (user): interrupting turn")
        #expect(bobScreen.split(separator: "\n").last?.hasSuffix("s1> draft in progress") == true, "\(bobScreen)")
        try t.tmux(["send-keys", "-t", "bob", "C-u"])

        // A conflict: both read v1, alice writes v2, bob writes on v1 the same path.
        try t.type("alice", #"/set plan {"owner":"alice","steps":["draft"]}"#)
        // The writer learns it from the `state` event, as every member does.
        try t.waitFor("alice", contains: #"state plan = {"owner":"alice","steps":["draft"]} v1 by alice"#)
        try t.type("bob", "/state plan")
        try t.waitFor("bob") { $0.contains(#"plan = {"owner":"alice","steps":["draft"]}  v1"#) }
        try t.type("alice", #"/set plan {"owner":"carol","steps":["draft"]}"#)
        try t.waitFor("alice", contains: #"state plan = {"owner":"carol","steps":["draft"]} v2 by alice"#)
        try t.type("bob", #"/set plan {"owner":"bob","steps":["draft"]}"#)
        let conflict = try t.waitFor("bob", contains: "resolve with: ours | theirs | edit")
        #expect(conflict.contains("conflict writing plan (now v2 by alice)"))
        #expect(conflict.contains("path /owner:"))
        #expect(conflict.contains(#"base:   "alice""#))
        #expect(conflict.contains(#"theirs: "carol""#))
        #expect(conflict.contains(#"yours:  "bob""#))
        try t.type("bob", "ours")
        #expect(try t.waitFor("bob", contains: #"state plan = {"owner":"bob","steps":["draft"]} v3 by bob"#).contains("v3"))
        #expect(try t.waitFor("alice") { $0.contains(#"state plan = {"owner":"bob","steps":["draft"]} v3 by bob"#) }
                .contains("v3 by bob"))

        // A reader cannot clear; the reason comes from the server, and the client keeps running.
        try openView(t, f, "carol", as: "read")
        try t.type("carol", "/clear --yes")
        let refused = try t.waitFor("carol", contains: "! forbidden:")
        #expect(refused.contains("forbidden"))
        try t.type("carol", "/history 5")
        #expect(try t.waitFor("carol", contains: "interrupting turn").contains("hello from alice"))

        // Leaving with /exit ends the client cleanly.
        try t.type("alice", "/exit")
        #expect(try t.waitFor("bob", contains: "alice left").contains("alice left"))
    }

    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func managingTheSessionFromTheView() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "alice", as: "owner")
        try openView(t, f, "bob", as: "write")

        // A pause reaches the other member, and stops their turns until the resume.
        try t.type("alice", "/pause")
        #expect(try t.waitFor("bob", contains: "session is now paused (by alice)").contains("paused"))
        // The one who paused learns it from the same event (the command prints nothing of its own).
        #expect(try t.waitFor("alice", contains: "session is now paused (by alice)").contains("paused"))
        try t.type("bob", "while paused")
        #expect(try t.waitFor("bob", contains: "! session_paused:").contains("resume it"))
        try t.type("bob", "/resume")
        try t.waitFor("bob", contains: "! forbidden:")
        try t.type("alice", "/resume")
        try t.waitFor("bob", contains: "session is now active (by alice)")
        try t.type("alice", "/info")
        #expect(try t.waitFor("alice", contains: "status:    active").contains("your role: owner"))

        // Comments, checkpoints and search, listed where the work happens.
        try t.type("alice", "plan the merge of rows")
        try t.waitFor("bob", contains: "alice (user): plan the merge of rows")
        try t.type("bob", "/comment 1 looks good")
        try t.waitFor("alice", contains: "bob commented on #1")
        try t.type("alice", "/comments")
        #expect(try t.waitFor("alice", contains: "#1 bob: looks good").contains("looks good"))
        try t.type("bob", "/checkpoint before-merge")
        try t.waitFor("bob", contains: "checkpoint before-merge saved at #1")
        try t.type("alice", "/checkpoints")
        #expect(try t.waitFor("alice", contains: "before-merge  #1").contains("name"))
        try t.type("bob", "/search merge")
        #expect(try t.waitFor("bob", contains: "s1 #1 Design review: plan the [merge] of rows").contains("[merge]"))

        // A title change is seen by everyone; removing a member too; nothing irreversible unconfirmed.
        try t.type("alice", "/title Design review (final)")
        try t.waitFor("bob", contains: #"session updated: "Design review (final)" (by alice)"#)
        try t.type("alice", "/remove carol")
        try t.waitFor("bob", contains: "carol was removed (by alice)")
        try t.type("alice", "/shares")
        try t.waitFor("alice", contains: "no working share links; create one with /share")
        try t.type("alice", "/delete")
        try t.waitFor("alice", contains: "confirm with /delete --yes")
        #expect(try f.run(["info", "s1"]).status == 0)

        // A branch is listed from its parent, describes its origin, and is discarded from its own view.
        try t.type("alice", "/branch Plan B")
        let created = try t.waitFor("alice", contains: "; open it with: tandem open ")
        let branch = try #require(created.firstMatch(of: /branch (\S+) created/)?.1).description
        try t.type("alice", "/branches")
        #expect(try t.waitFor("alice", contains: "Plan B").contains(branch))
        try t.start("branch", command: command(f, "alice", "open \(branch)"))
        try t.waitFor("branch", contains: "you are owner")
        try t.type("branch", "/info")
        try t.waitFor("branch", contains: "branch of: s1 at #1")
        try t.type("branch", "/discard --yes")
        try t.waitFor("branch", contains: "branch \(branch) discarded")
        #expect(try f.run(["info", branch]).status == 2)

        // Deleting for real closes the view: there is nothing left to follow.
        _ = try f.run(["create", "Scratch", "--id", "scratch"])
        try t.start("scratch", command: command(f, "alice", "open scratch"))
        try t.waitFor("scratch", contains: "you are owner")
        try t.type("scratch", "/delete --yes")
        #expect(try t.waitFor("scratch", contains: "session scratch deleted").contains("deleted"))
        #expect(try f.run(["info", "scratch"]).status == 2)
    }

    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func survivesAServerRestartAndShowsMissedTurnsOnce() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "bob", as: "write")
        _ = try f.run(["post", "s1", "seen live"])
        try t.waitFor("bob", contains: "alice (user): seen live")
        // The server goes away (bob sees 1001 and backs off); turns land while bob is disconnected.
        try f.restart { store in
            for text in ["missed one", "missed two"] {
                _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: text))
            }
        }
        let screen = try t.waitFor("bob") { $0.contains("missed two") }
        #expect(screen.contains("reconnecting in"))
        #expect(screen.contains("the server is restarting or shutting down (1001); reconnecting in"), "\(screen)")
        #expect(screen.contains("reconnected; 2 missed event(s) follow"))
        #expect(screen.components(separatedBy: "alice (user): missed one").count == 2, "shown exactly once")
        #expect(screen.components(separatedBy: "alice (user): seen live").count == 2, "not repeated")
        // Live again after the resume.
        _ = try f.run(["post", "s1", "after the restart"])
        #expect(try t.waitFor("bob", contains: "alice (user): after the restart").contains("#4"))
    }

    /// A line typed while the view is still opening (the terminal not yet raw) runs once it is up:
    /// entering raw mode used to flush it (TCSAFLUSH), and a line typed on `you are ...` was lost.
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aLineTypedWhileTheViewOpensIsKept() throws {
        let f = try CLIFixture()
        let t = Tmux()
        let gate = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)").path
        defer {
            t.killServer()
            f.shutdown()
            try? FileManager.default.removeItem(atPath: gate)
        }
        // The client starts only once the gate exists: the line is typed before, into the terminal's
        // own line buffer (echoed there, read by no one).
        try t.start("bob", command: "while [ ! -e \(gate) ]; do sleep 0.05; done; \(command(f, "bob"))")
        try t.type("bob", "typed ahead")
        try t.waitFor("bob", contains: "typed ahead")
        #expect(FileManager.default.createFile(atPath: gate, contents: Data()))
        #expect(try t.waitFor("bob", contains: "bob (user): typed ahead").contains("you are write"))
        #expect(try f.run(["history", "s1"]).stdout.contains("typed ahead"))
    }
}
