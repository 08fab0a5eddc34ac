import Foundation
import Testing
import TandemJSON
import TandemStore

/// The subcommands for working in a session (undo, clear, comments, state, checkpoints, branches,
/// members, stats), run as the real binary against a real server; results are read back from it.
extension TandemCLIScriptTests {
    func texts(_ f: CLIFixture, _ session: String, as user: String = "alice") throws -> [String?] {
        try lines(try f.run(["history", session, "--json"], as: user)).map { $0["content"]?.stringValue }
    }

    @Test func undoCommentAndClear() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "one"])
        _ = try f.run(["post", "s1", "two"], as: "bob")

        // The --seq guard: #1 is no longer the last turn, so nothing is undone.
        let guarded = try f.run(["undo", "s1", "--seq", "1"])
        #expect(guarded.status == 3 && guarded.stderr.hasPrefix("tandem: conflict:"), "\(guarded.stderr)")
        #expect(try f.run(["undo", "s1"], as: "carol").status == 3)
        let undo = try f.run(["undo", "s1", "--seq", "2"], as: "bob")
        #expect(undo.status == 0 && undo.stdout == "#2 undone\n", "\(undo.stderr)")
        #expect(try texts(f, "s1") == ["one"])
        #expect(try f.run(["undo", "nope"]).status == 2)

        let comment = try f.run(["comment", "s1", "1", "Which rows?"], as: "bob")
        #expect(comment.status == 0, "\(comment.stderr)")
        let id = try #require(Int64(comment.stdout.trimmingCharacters(in: .newlines)))
        let piped = try f.run(["comment", "s1", "1"], stdin: "from\nstdin\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        let listed = try lines(try f.run(["comments", "s1", "--json"]))
        #expect(listed.map { $0["text"]?.stringValue } == ["Which rows?", "from\nstdin"])
        #expect(listed.first?["id"]?.intValue == id && listed.first?["author"]?.stringValue == "bob")
        let reader = try f.run(["comment", "s1", "1", "hi"], as: "carol")
        #expect(reader.status == 3 && reader.stderr.hasPrefix("tandem: forbidden:"))
        #expect(try f.run(["comment", "s1", "2", "on an undone turn"]).status == 3)
        #expect(try f.run(["comment", "s1", "0", "x"]).status == 1)

        // Clearing needs --yes (nothing is sent without it) and an admin.
        let unconfirmed = try f.run(["clear", "s1"])
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("add --yes to confirm"))
        #expect(unconfirmed.stderr.contains("for good"), "no checkpoint undoes a clear: \(unconfirmed.stderr)")
        #expect(try texts(f, "s1") == ["one"])
        _ = try f.run(["checkpoint", "s1", "before-clear"])
        let byWriter = try f.run(["clear", "s1", "--yes"], as: "bob")
        #expect(byWriter.status == 3 && byWriter.stderr.hasPrefix("tandem: forbidden:"))
        let cleared = try f.run(["clear", "s1", "--yes"])
        #expect(cleared.status == 0 && cleared.stdout == "s1 cleared through #2\n", "\(cleared.stderr)")
        #expect(try texts(f, "s1").isEmpty)
        #expect(try f.run(["clear", "s1", "--yes"]).stdout == "s1: nothing to clear\n")
        // As the help says: a checkpoint saved before does not bring the turns back.
        let restore = try f.run(["restore", "s1", "before-clear", "--yes"])
        #expect(restore.status == 3 && restore.stderr.hasPrefix("tandem: stale_checkpoint:"), "\(restore.stderr)")
    }

    /// More rows than one answer holds (`max-page-bytes`): `tandem state` reads every page.
    @Test func stateListsEveryPageOfRows() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let value = JSONValue.string(String(repeating: "v", count: 20_000))
        try f.restart(changing: { $0.maxPageBytes = 64 << 10 }) { store in
            for n in 1...10 { _ = try store.writeRow(session: "s1", actor: "alice", key: String(format: "k%02d", n), value: value, baseVersion: 0) }
        }
        let all = try f.run(["state", "s1", "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let keys = all.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }.compactMap { $0["key"]?.stringValue }
        #expect(keys == (1...10).map { String(format: "k%02d", $0) })
    }

    @Test func stateIsReadWrittenMergedAndAConflictRefused() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let none = try f.run(["state", "s1"])
        #expect(none.status == 0 && none.stdout.isEmpty)
        let missing = try f.run(["state", "s1", "plan"])
        #expect(missing.status == 2 && missing.stderr == "tandem: s1 has no state row plan\n")

        // Without --base the current version is read first: a plain write applies.
        let first = try f.run(["set", "s1", "plan", #"{"owner":"alice","steps":["draft"]}"#])
        #expect(first.status == 0 && first.stdout == "applied plan v1\n", "\(first.stderr)")
        let second = try f.run(["set", "s1", "plan", #"{"owner":"carol","steps":["draft"]}"#, "--base", "1"], as: "bob")
        #expect(second.stdout == "applied plan v2\n", "\(second.stderr)")

        // Bob wrote on v1 too: a different field merges, the same field is a conflict.
        let merged = try f.run(["set", "s1", "plan", #"{"owner":"alice","steps":["draft","review"]}"#, "--base", "1"], as: "bob")
        #expect(merged.status == 0 && merged.stdout == "merged plan v3\n", "\(merged.stderr)")
        let clash = try f.run(["set", "s1", "plan", #"{"owner":"bob","steps":["draft"]}"#, "--base", "1"], as: "bob")
        #expect(clash.status == 3 && clash.stdout.isEmpty)
        #expect(clash.stderr.hasPrefix("tandem: conflict: plan changed since v1 (now v3 by bob); nothing written\n"), "\(clash.stderr)")
        for line in ["  path /owner:", #"    base:   "alice""#, #"    theirs: "carol""#, #"    yours:  "bob""#] {
            #expect(clash.stderr.contains(line + "\n"), "\(line)")
        }
        // Yours whole on v3 would drop alice's merged "review": the value to write keeps it.
        #expect(clash.stderr.hasSuffix("""
            tandem: yours at the conflicting paths, merged with the rest of theirs: {"owner":"bob","steps":["draft","review"]}
            tandem: to write that, pass it as the value with --base 3

            """), "\(clash.stderr)")
        let row = try #require(try lines(try f.run(["state", "s1", "plan", "--json"], as: "carol")).first)
        #expect(row["version"]?.intValue == 3)
        #expect(row["value"] == (try JSONValue(parsing: #"{"owner":"carol","steps":["draft","review"]}"#)))

        let clashJSON = try f.run(["set", "s1", "plan", #"{"owner":"dave"}"#, "--base", "2", "--json"])
        #expect(clashJSON.status == 3)
        let answer = try JSONValue(parsing: clashJSON.stdout)
        #expect(answer["outcome"]?.stringValue == "conflict" && answer["current"]?["version"]?.intValue == 3)
        let appliedJSON = try JSONValue(parsing: try f.run(["set", "s1", "plan", #""shipped""#, "--json"]).stdout)
        #expect(appliedJSON["outcome"]?.stringValue == "applied" && appliedJSON["row"]?["version"]?.intValue == 4)

        let piped = try f.run(["set", "s1", "notes", "-"], stdin: #"{"a":1}"# + "\n")
        #expect(piped.stdout == "applied notes v1\n", "\(piped.stderr)")
        #expect(try f.run(["state", "s1"]).stdout.split(separator: "\n").count == 2)
        let reader = try f.run(["set", "s1", "plan", "1"], as: "carol")
        #expect(reader.status == 3 && reader.stderr.hasPrefix("tandem: forbidden:"))
        let notJSON = try f.run(["set", "s1", "plan", "not json"])
        #expect(notJSON.status == 1 && notJSON.stderr.hasPrefix("tandem: the value is not JSON"))
        #expect(try f.run(["set", "s1", "plan", "1", "--base", "99"]).status == 1, "a base from the future is invalid")
        #expect(try f.run(["state", "nope"]).status == 2)
    }

    @Test func checkpointsRestoreAndBranches() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "one"])
        let saved = try f.run(["checkpoint", "s1", "start"], as: "bob")
        #expect(saved.status == 0 && saved.stdout == "start at #1\n", "\(saved.stderr)")
        #expect(try f.run(["checkpoint", "s1", "start"]).status == 3, "names are unique")
        #expect(try f.run(["checkpoint", "s1", "mine"], as: "carol").status == 3)
        _ = try f.run(["post", "s1", "two"])

        let unconfirmed = try f.run(["restore", "s1", "start"])
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("add --yes to confirm"))
        #expect(try f.run(["restore", "s1", "start", "--yes"], as: "bob").status == 3)
        #expect(try texts(f, "s1") == ["one", "two"])
        let restored = try f.run(["restore", "s1", "start", "--yes"])
        #expect(restored.status == 0 && restored.stdout == "s1 restored to start (#1)\n", "\(restored.stderr)")
        #expect(try texts(f, "s1") == ["one"])
        let unknown = try f.run(["restore", "s1", "nope", "--yes"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "tandem: not_found: session s1 has no checkpoint named nope\n", "\(unknown.stderr)")

        // A branch keeps the members; its turns come back with a merge (after the rewound #2: seqs never repeat).
        let created = try f.run(["branch", "s1", "--title", "Plan B"], as: "bob")
        #expect(created.status == 0, "\(created.stderr)")
        let branch = created.stdout.trimmingCharacters(in: .newlines)
        let info = try JSONValue(parsing: try f.run(["info", branch, "--json"], as: "carol").stdout)
        #expect(info["title"]?.stringValue == "Plan B" && info["parent"]?["session"]?.stringValue == "s1")
        _ = try f.run(["post", branch, "in the branch"], as: "bob")
        _ = try f.run(["set", branch, "plan", #"{"owner":"bob"}"#], as: "bob")
        let byWriter = try f.run(["merge", branch], as: "bob")
        #expect(byWriter.status == 3 && byWriter.stderr.hasPrefix("tandem: forbidden:"), "admin of the parent")
        let merged = try f.run(["merge", branch])
        #expect(merged.status == 0 && merged.stdout == "\(branch) merged: turns #3-#3, rows plan\n", "\(merged.stdout) \(merged.stderr)")
        #expect(try texts(f, "s1") == ["one", "in the branch"])

        // A clash on a row: nothing merged, the fields shown, the parent unchanged.
        let second = try f.run(["branch", "s1", "--at", "1", "--id", "plan-c"]).stdout.trimmingCharacters(in: .newlines)
        #expect(second == "plan-c", "--id names the branch")
        #expect(try texts(f, second) == ["one"], "--at keeps the turns up to it")
        let retried = try f.run(["branch", "s1", "--id", "plan-c"])
        #expect(retried.status == 3 && retried.stderr.hasPrefix("tandem: already_exists:"), "a retry makes no second branch")
        _ = try f.run(["set", second, "plan", #"{"owner":"erin"}"#, "--base", "0"])
        _ = try f.run(["set", "s1", "plan", #"{"owner":"carol"}"#])
        let clash = try f.run(["merge", second, "--json"])
        #expect(clash.status == 3)
        #expect(try JSONValue(parsing: clash.stdout)["merged"]?.boolValue == false)
        #expect(clash.stderr.contains("rows clash with its parent's (plan); nothing was merged"), "\(clash.stderr)")
        #expect(clash.stderr.contains(#"    yours:  "erin""#) && clash.stderr.contains(#"    theirs: "carol""#))
        #expect(try texts(f, "s1") == ["one", "in the branch"])

        // A session's branches, by status: the merged one is archived, plan-c still open.
        let branches = try f.run(["sessions", "--parent", "s1", "--json"], as: "carol")
        #expect(Set(try lines(branches).compactMap { $0["id"]?.stringValue }) == [branch, second], "\(branches.stderr)")
        let open = try f.run(["sessions", "--parent", "s1", "--status", "active"])
        #expect(open.stdout.contains(second) && !open.stdout.contains(branch + " "), "\(open.stdout)")
        let none = try f.run(["sessions", "--parent", second])
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr == "no sessions match\n")
        let badStatus = try f.run(["sessions", "--status", "done"])
        #expect(badStatus.status == 1 && badStatus.stderr.contains("--status must be active, paused or archived"))

        // Discarding: confirmed, of a branch only (a typo naming the main session deletes nothing).
        #expect(try f.run(["discard", second]).status == 1)
        let notBranch = try f.run(["discard", "s1", "--yes"])
        #expect(notBranch.status == 3 && notBranch.stderr.hasPrefix("tandem: conflict:"), "\(notBranch.stderr)")
        #expect(try f.run(["info", "s1"]).status == 0)
        let discarded = try f.run(["discard", second, "--yes"])
        #expect(discarded.status == 0 && discarded.stdout == "\(second) discarded\n", "\(discarded.stderr)")
        #expect(try f.run(["info", second]).status == 2)
    }

    @Test func membersRolesRemovalAndStats() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.server.store.createUser(id: "dave", displayName: "Dave")
        let members = try lines(try f.run(["members", "s1", "--json"], as: "carol"))
        #expect(members.map { $0["user"]?.stringValue } == ["alice", "bob", "carol"])
        #expect(members.map { $0["role"]?.stringValue } == ["owner", "write", "read"])
        #expect(try f.run(["members", "s1"]).stdout.contains("alice (Alice) owner\n"))

        let added = try f.run(["role", "s1", "dave", "comment"])
        #expect(added.status == 0 && added.stdout == "dave is comment in s1\n", "\(added.stderr)")
        #expect(try f.run(["role", "s1", "dave", "write"]).status == 0, "a member's role changes")
        let dave = try lines(try f.run(["members", "s1", "--json"])).first { $0["user"]?.stringValue == "dave" }
        #expect(dave?["role"]?.stringValue == "write")
        // Strongest role first (`tandem members --help`), then by id: not alphabetical.
        let ordered = try lines(try f.run(["members", "s1", "--json"])).map { $0["user"]?.stringValue }
        #expect(ordered == ["alice", "bob", "dave", "carol"])
        #expect(try f.run(["role", "s1", "dave", "boss"]).status == 1)
        let byWriter = try f.run(["role", "s1", "dave", "read"], as: "bob")
        #expect(byWriter.status == 3 && byWriter.stderr.hasPrefix("tandem: forbidden:"))
        #expect(try f.run(["role", "s1", "nobody", "read"]).status == 2)
        #expect(try f.run(["role", "nope", "dave", "read"]).status == 2)

        #expect(try f.run(["remove", "s1", "carol"], as: "bob").status == 3)
        let removed = try f.run(["remove", "s1", "carol"])
        #expect(removed.status == 0 && removed.stdout == "carol removed from s1\n", "\(removed.stderr)")
        // A former member is told so (forbidden, naming the removal); others get not_found.
        let formerInfo = try f.run(["info", "s1"], as: "carol")
        #expect(formerInfo.status == 3 && formerInfo.stderr.contains("removed"), "\(formerInfo.stderr)")
        let daveToken = try f.server.store.createToken(userID: "dave", label: "test").secret
        let left = try f.run(["RAW", "remove", "s1", "dave", "--url", f.url, "--token", daveToken])
        #expect(left.status == 0, "anyone may leave: \(left.stderr)")
        #expect(try lines(try f.run(["members", "s1", "--json"])).count == 2)

        _ = try f.run(["post", "s1", "a"])
        _ = try f.run(["post", "s1", "b"])
        _ = try f.run(["post", "s1", "c"], as: "bob")
        let stats = try lines(try f.run(["stats", "s1", "--json"], as: "bob"))
        let turns = Dictionary(uniqueKeysWithValues: stats.map { ($0["user"]?.stringValue ?? "", $0["turns"]?.intValue ?? -1) })
        #expect(turns["alice"] == 2 && turns["bob"] == 1, "\(stats)")
        let table = try f.run(["stats", "s1"])
        #expect(table.stdout.hasPrefix("user   turns"), "\(table.stdout)")
        #expect(try f.run(["stats", "s1"], as: "carol").status == 3, "no longer a member")

        // Without a session: your own usage, per session and in total.
        _ = try f.run(["create", "Second", "--id", "s2"])
        _ = try f.run(["post", "s2", "d"])
        let mine = try lines(try f.run(["stats", "--json"]))
        #expect(Set(mine.map { $0["session"]?.stringValue ?? "" }) == ["s1", "s2"] && mine.allSatisfy { $0["user"] == "alice" })
        let usage = try f.run(["stats"]).stdout.split(separator: "\n")
        #expect(usage.first?.hasPrefix("session  turns") == true, "\(usage)")
        #expect(usage.last?.hasPrefix("total    3 ") == true, "2 turns in s1, 1 in s2: \(usage)")
    }
}

extension TandemCLIScriptTests {
    /// `tail` in the background as `user`, its JSON events to a file.
    func tail(_ f: CLIFixture, as user: String) throws -> (Spawned, FileLines) {
        let path = f.directory.appendingPathComponent("tail-\(user).out").path
        let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--json", "--url", f.url, "--token", f.tokens[user]!],
                                environment: f.environment, stdoutPath: path,
                                stderrPath: f.directory.appendingPathComponent("tail-\(user).err").path)
        return (child, FileLines(path))
    }

    @Test func tailEndsWhenRemovedOrWhenTheSessionIsDeleted() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let (carol, carolOut) = try tail(f, as: "carol")
        defer { carol.signal(SIGKILL); carol.wait(timeout: 5) }
        let (bob, bobOut) = try tail(f, as: "bob")
        defer { bob.signal(SIGKILL); bob.wait(timeout: 5) }
        _ = try f.run(["post", "s1", "both follow"])
        #expect(carolOut.waitFor { $0.contains("both follow") } && bobOut.waitFor { $0.contains("both follow") })

        _ = try f.run(["remove", "s1", "carol"])
        #expect(carol.wait(timeout: 8) == 3, "removed: refused from now on")
        #expect(carolOut.lines.last?.contains(#""removed":true"#) == true, "the removal is the last event")
        let why = try String(contentsOfFile: f.directory.appendingPathComponent("tail-carol.err").path, encoding: .utf8)
        #expect(why.hasSuffix("tandem: you were removed from s1 by alice; you can no longer follow it\n"), "\(why)")

        _ = try f.run(["delete", "s1", "--yes"])
        #expect(bob.wait(timeout: 8) == 2, "deleted: not found any more")
        let last = try JSONValue(parsing: try #require(bobOut.lines.last))
        #expect(last["event"]?.stringValue == "session" && last["change"]?.stringValue == "deleted")
    }

    /// More missed than the server replays (`max-replay`): `tail` reads the missed turns from history
    /// instead (it used to show only the last few, silently dropping the rest).
    @Test func tailShowsEveryMissedTurnEvenPastTheReplayLimit() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        for n in 1...3 { _ = try f.run(["post", "s1", "before \(n)"]) }
        let (carol, carolOut) = try tail(f, as: "carol")
        defer { carol.signal(SIGKILL); carol.wait(timeout: 5) }
        #expect(carolOut.waitFor { $0.contains("before 3") })
        let filler = String(repeating: "x", count: 3000)
        try f.restart(changing: { $0.maxReplayBytes = 64 << 10 }) { store in
            for n in 1...40 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "missed \(n) \(filler)")) }
        }
        _ = try f.run(["post", "s1", "live after"])
        #expect(carolOut.waitFor { $0.contains("live after") })
        let seqs = carolOut.lines.compactMap { try? JSONValue(parsing: $0) }.filter { $0["event"] == "turn" }.compactMap { $0["seq"]?.intValue }
        #expect(seqs == Array(1...44), "every turn once, in order: \(seqs)")
        let said = try String(contentsOfFile: f.directory.appendingPathComponent("tail-carol.err").path, encoding: .utf8)
        #expect(said.contains("reading the missed turns from history"), "\(said)")
        // 40 missed, or 41 when "live after" was committed before the rejoin.
        #expect(said.contains("tandem: reconnected; 40 missed turn(s) from history follow")
                    || said.contains("tandem: reconnected; 41 missed turn(s) from history follow"), "\(said)")
        // A short outage is replayed, and said as the view says it.
        try f.restart { store in _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "while down")) }
        #expect(carolOut.waitFor { $0.contains("while down") })
        let again = try String(contentsOfFile: f.directory.appendingPathComponent("tail-carol.err").path, encoding: .utf8)
        #expect(again.contains("tandem: reconnected; 1 missed event(s) follow"), "\(again)")
    }
}
