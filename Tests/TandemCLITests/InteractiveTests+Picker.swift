import Foundation
import Testing

/// The picker `tandem` shows without a session: the list names each session's id, and typing that id
/// opens it (it made a new session titled with the id, so the one meant was never opened). Then
/// `/help` in a narrow window.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func thePickerOpensASessionByItsListedId() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        #expect(try f.run(["post", "s1", "hello"]).status == 0)
        try t.start("bob", command: command(f, "bob", ""))
        let list = try t.waitFor("bob", contains: "Pick a number or an id")
        #expect(list.contains("1. s1  Design review  (write, 1 turn)"), "\(list)")
        try t.type("bob", "s1")
        // The history is printed after the entry line: wait for it, not only for the entry.
        _ = try t.waitFor("bob", contains: "you are write")
        let view = try t.waitFor("bob", contains: "#1 alice (user): hello")
        #expect(view.contains("* Design review — you are write"), "\(view)")
        #expect(!view.contains("created session"), "\(view)")
        let sessions = try f.run(["sessions", "--json"], as: "bob")
        #expect(sessions.stdout.split(separator: "\n").count == 1, "no new session: \(sessions.stdout)")

        // /help in a 50-column window: descriptions wrap at words under their column, none wider.
        try t.tmux(["resize-window", "-t", "bob", "-x", "50", "-y", "30"])
        try t.type("bob", "/help")
        let help = try t.waitFor("bob", contains: "(//usr/bin posts /usr/bin).")
        #expect(help.contains("  /template NAME        save this session as your\n" + String(repeating: " ", count: 24)
            + "template NAME (admin)"), "\(help)")
        let shown = help.components(separatedBy: "s1> /help").last ?? ""
        #expect(shown.split(separator: "\n").allSatisfy { $0.count <= 50 }, "\(shown)")
    }
}

/// The picker lists the first page of sessions (100, most recently updated first); an older one
/// opens by its id as well, instead of a new session being made with the id as its title.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func thePickerOpensAnOlderSessionThanItListsByItsId() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        for i in 0..<100 { _ = try f.server.store.createSession(id: "p\(i)", title: "Newer \(i)", owner: "alice") }
        try t.start("alice", command: command(f, "alice", ""))
        let list = try t.waitFor("alice", contains: "Pick a number or an id")
        #expect(list.contains("100. p0  Newer 0") && !list.contains("s1  Design review"), "\(list)")
        #expect(list.contains("... and older ones (tandem sessions lists them all): type one's id to open it."), "\(list)")
        try t.type("alice", "s1")
        let view = try t.waitFor("alice", contains: "you are owner")
        #expect(view.contains("* Design review — you are owner") && !view.contains("created session"), "\(view)")
    }
}
