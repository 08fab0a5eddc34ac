import Foundation
import Testing

/// A change made from the view is shown once: by the server's event, which every member sees (the
/// command printed its own confirmation too, so `/undo`, `/role`, `/comment`, `/set`, `/clear` and
/// `/restore` each showed up twice). What has no event keeps its own line; scripts keep theirs.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func eachChangeFromTheViewIsShownOnce() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "alice", as: "owner")
        let steps: [(typed: String, shown: String)] = [
            ("first turn", "alice (user): first turn"),
            ("/comment 1 nice", "alice commented on #1: nice"),
            ("/set k 1", "state k = 1 v1 by alice"),
            ("/role bob comment", "bob is now comment (by alice)"),
            ("/role carol write", "carol is now write (by alice)"),
            ("/checkpoint cp", "checkpoint cp saved at #1"),
            ("second turn", "alice (user): second turn"),
            ("/undo", "turn #2 was undone by alice"),
            ("/restore cp --yes", "session restored to checkpoint cp by alice: later turns left history"),
            ("/clear --yes", "session cleared by alice"),
            ("/clear --yes", "nothing to clear"),
            ("/pause", "session is now paused (by alice)"),
            ("/resume", "session is now active (by alice)"),
            ("/title Design review (final)", #"session updated: "Design review (final)" (by alice)"#),
        ]
        for step in steps {
            try t.type("alice", step.typed)
            try t.waitFor("alice", contains: step.shown)
        }
        // Answers come in order: once /history's is on screen, every earlier command printed its own.
        try t.type("alice", "/history 1")
        let screen = try t.waitFor("alice", contains: "no turns yet")
        for step in steps {
            #expect(screen.components(separatedBy: step.shown).count == 2, "shown once: \(step.shown)\n\(screen)")
        }
        for ownLine in ["undid turn", "comment 1 added", "bob is comment", "applied: k", "restored cp (turn", "cleared through"] {
            #expect(!screen.contains(ownLine), "\(ownLine)\n\(screen)")
        }

        // A script has no events to show: its confirmation stays.
        _ = try f.run(["post", "s1", "third turn"])
        #expect(try f.run(["undo", "s1"]).stdout.contains("#"))
        #expect(try f.run(["role", "s1", "bob", "write"]).stdout.contains("bob"))
    }

    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aRefusedDiscardSaysWhy() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        // A session that is no branch: from a script and from its own view.
        let plain = try f.run(["discard", "s1", "--yes"])
        #expect(plain.status == 3)
        #expect(plain.stderr.contains("tandem: conflict: s1 is not a branch (it was not forked from another session)"), "\(plain.stderr)")
        try openView(t, f, "alice", as: "owner")
        try t.type("alice", "/discard --yes")
        try t.waitFor("alice", contains: "! conflict: s1 is not a branch")

        // A merged branch says where it went and when; a missing or discarded one is not found.
        _ = try f.run(["post", "s1", "base"])
        let branch = try f.run(["branch", "s1", "--id", "b1"])
        #expect(branch.status == 0, "\(branch.stderr)")
        #expect(try f.run(["merge", "b1"]).status == 0)
        let merged = try f.run(["discard", "b1", "--yes"])
        #expect(merged.status == 3)
        #expect(merged.stderr.contains("tandem: conflict: b1 was merged into s1 on "), "\(merged.stderr)")
        #expect(merged.stderr.contains("to delete it anyway: tandem delete b1 --yes"))
        _ = try f.run(["branch", "s1", "--id", "b2"])
        #expect(try f.run(["discard", "b2", "--yes"]).status == 0)
        for id in ["b2", "nope"] {
            let gone = try f.run(["discard", id, "--yes"])
            #expect(gone.status == 2)
            #expect(gone.stderr.contains("tandem: not_found: no session \(id) to discard: it does not exist, was already discarded or deleted"), "\(gone.stderr)")
        }
        // What the merged message offers works.
        #expect(try f.run(["delete", "b1", "--yes"]).status == 0)
    }

    @Test func blankTitlesAndSymbolSearchesAreRefusedBeforeAsking() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        for args in [["create", ""], ["create", "   "], ["update", "s1", "--title", ""], ["branch", "s1", "--title", " "]] {
            let run = try f.run(args)
            #expect(run.status == 1, "\(args)")
            #expect(run.stderr.contains("a title needs some text (it is blank)"), "\(args): \(run.stderr)")
        }
        #expect(try f.run(["sessions", "--json"]).stdout.split(separator: "\n").count == 1, "no untitled session was made")
        #expect(try f.run(["info", "s1"]).stdout.contains("Design review"))
        for query in ["⭐", "*", "🎉 !"] {
            let run = try f.run(["search", query])
            #expect(run.status == 1)
            #expect(run.stderr.contains("tandem: nothing searchable in '\(query)': search matches words and numbers"), "\(run.stderr)")
        }
    }
}
