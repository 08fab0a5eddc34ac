import Foundation
import Testing

/// The view ends, saying why, once there is nothing left to follow: removed by an admin (3), leaving
/// oneself (0), the session deleted by someone else (2; a share-link viewer too) or by oneself (0).
extension TandemCLIInteractiveTests {
    /// The view, then its exit status on the pane (the shell stays to show it).
    func ending(_ f: CLIFixture, _ user: String?, url: String? = nil, _ extra: String = "open s1") -> String {
        let credential = user.map { " --token \(f.tokens[$0]!)" } ?? ""
        return "\(CLIFixture.binary) --url \(url ?? f.url)\(credential) \(extra); echo \"exit status $?\"; sleep 30"
    }

    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func theViewEndsWhenRemovedOrWhenTheSessionIsDeleted() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        for (user, role) in [("alice", "owner"), ("bob", "write"), ("carol", "read")] {
            try t.start(user, command: ending(f, user))
            try t.waitFor(user, contains: "you are \(role)")
        }
        try t.waitFor("alice", contains: "online: alice, bob, carol")

        // Removed by an admin: the event, then why the view ends, and status 3.
        try t.type("alice", "/remove carol")
        let carol = try t.waitFor("carol", contains: "exit status")
        #expect(carol.contains("carol was removed (by alice)"))
        #expect(carol.contains("tandem: you were removed from s1 by alice; you can no longer follow it"))
        #expect(carol.contains("exit status 3"), "\(carol)")

        // Leaving oneself is a success; the others stay.
        try t.type("bob", "/remove bob")
        let bob = try t.waitFor("bob", contains: "exit status")
        #expect(bob.contains("* you left s1") && bob.contains("exit status 0"), "\(bob)")
        try t.waitFor("alice", contains: "bob was removed (by bob)")
        try t.type("alice", "still following")
        #expect(try t.waitFor("alice", contains: "alice (user): still following").contains("#1"))
        #expect(!(try t.screen("alice")).contains("exit status"))

        // Deleted by the owner: a member's view and a share-link viewer's end with 2, the owner's with 0.
        #expect(try f.run(["role", "s1", "bob", "write"]).status == 0)
        try t.start("bob2", command: ending(f, "bob"))
        try t.waitFor("bob2", contains: "you are write")
        let link = try f.run(["share", "s1"]).stdout.trimmingCharacters(in: .newlines)
        try t.start("viewer", command: ending(f, nil, url: link, "open"))
        try t.waitFor("viewer", contains: "you are a viewer through a share link")
        try t.type("alice", "/delete --yes")
        let alice = try t.waitFor("alice", contains: "exit status")
        #expect(alice.contains("session s1 deleted") && alice.contains("exit status 0"), "\(alice)")
        let member = try t.waitFor("bob2", contains: "exit status")
        #expect(member.contains("session deleted by alice"))
        #expect(member.contains("tandem: session s1 was deleted by alice; nothing is left to follow"))
        #expect(member.contains("exit status 2"), "\(member)")
        let viewer = try t.waitFor("viewer", contains: "exit status")
        #expect(viewer.contains("tandem: session s1 was deleted") && viewer.contains("exit status 2"), "\(viewer)")
    }
}
