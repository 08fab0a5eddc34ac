import Foundation
import Testing

/// A `/set` conflict settles only the paths that clashed: `ours` wrote the user's whole value on the
/// current version, undoing the other member's changes that had merged with it (their new step), and
/// `theirs` wrote nothing, dropping the user's own changes elsewhere (a new field).
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aConflictResolvedEitherWayKeepsBothSidesOtherChanges() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        #expect(try f.run(["set", "s1", "plan", #"{"owner":"alice","steps":["draft"]}"#]).status == 0)
        try openView(t, f, "bob", as: "write")
        // Alice renames the owner and adds a step; bob, on v1, renames the owner and adds a due date.
        #expect(try f.run(["set", "s1", "plan", #"{"owner":"carol","steps":["draft","review"]}"#]).status == 0)
        try t.waitFor("bob", contains: #"state plan = {"owner":"carol","steps":["draft","review"]} v2"#)
        try t.type("bob", #"/set plan {"due":"friday","owner":"bob","steps":["draft"]}"#)
        let asked = try t.waitFor("bob", contains: "resolve with: ours | theirs | edit")
        #expect(asked.contains("path /owner:") && !asked.contains("path /steps"), "\(asked)")
        try t.type("bob", "ours")
        try t.waitFor("bob", contains: #"state plan = {"due":"friday","owner":"bob","steps":["draft","review"]} v3 by bob"#)

        // Again, settled the other way: alice's owner stays, bob's new field goes in.
        #expect(try f.run(["set", "s1", "plan", #"{"due":"friday","owner":"alice","steps":["draft","review"]}"#]).status == 0)
        try t.waitFor("bob", contains: "v4 by alice")
        try t.type("bob", #"/set plan {"due":"friday","owner":"dave","room":"B2","steps":["draft","review"]}"#)
        try t.waitFor("bob", contains: "theirs: \"alice\"")
        try t.type("bob", "theirs")
        try t.waitFor("bob", contains: #"state plan = {"due":"friday","owner":"alice","room":"B2","steps":["draft","review"]} v5 by bob"#)

        // `edit` starts from ours: the merge with bob's side at the clash.
        #expect(try f.run(["set", "s1", "plan", #"{"due":"monday","owner":"alice","room":"B2","steps":["draft","review"]}"#]).status == 0)
        try t.waitFor("bob", contains: "v6 by alice")
        try t.type("bob", #"/set plan {"due":"sunday","owner":"alice","room":"C3","steps":["draft","review"]}"#)
        try t.waitFor("bob", contains: "theirs: \"monday\"")
        try t.type("bob", "edit")
        let editing = try t.waitFor("bob") { $0.split(separator: "\n").last?.hasPrefix("plan json> ") == true }
        #expect(editing.split(separator: "\n").last?.hasPrefix(#"plan json> {"due":"sunday","owner":"alice","room":"C3""#) == true, "\(editing)")
    }
}
