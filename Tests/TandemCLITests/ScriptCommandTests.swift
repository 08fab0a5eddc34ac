import Foundation
import Testing
import TandemJSON

/// The scriptable subcommands, run as the real binary against a real server.
@Suite(.serialized) struct TandemCLIScriptTests {
    @Test func postHistoryExportAndSessions() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let post = try f.run(["post", "s1", "first turn"])
        #expect(post.status == 0, "\(post.stderr)")
        #expect(post.stdout == "#1\n")
        let piped = try f.run(["post", "s1"], as: "bob", stdin: "from stdin\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == "#2\n")
        let dash = try f.run(["post", "s1", "-"], stdin: "dash input")
        #expect(dash.stdout == "#3\n")
        // An empty shell variable posts nothing (no turn #4).
        for empty in [try f.run(["post", "s1", ""]), try f.run(["post", "s1", "-"], stdin: "\n")] {
            #expect(empty.status == 1 && empty.stderr == "tandem: nothing to post: the text is empty\n", "\(empty.stderr)")
        }

        let history = try f.run(["history", "s1", "--last", "2"])
        #expect(history.status == 0)
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("#2 bob (user): from stdin"))
        #expect(lines[1].contains("#3 alice (user): dash input"))
        #expect(!history.stdout.contains("\u{1B}"), "piped output must be plain")

        let json = try f.run(["history", "s1", "--last", "3", "--json"])
        let turns = try json.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        #expect(turns.map { $0["content"]?.stringValue } == ["first turn", "from stdin", "dash input"])

        let export = try f.run(["export", "s1"])
        #expect(export.status == 0)
        let document = try JSONValue(parsing: export.stdout)
        #expect(document["format"]?.stringValue?.hasPrefix("tandem.session") == true)
        #expect(export.stdout.contains("dash input"))

        let sessions = try f.run(["sessions"], as: "carol")
        #expect(sessions.stdout.contains("s1"))
        #expect(sessions.stdout.contains("Design review"))
        #expect(sessions.stdout.contains("read"))

        let created = try f.run(["create", "Retro", "--id", "retro-1"], as: "bob")
        #expect(created.stdout == "retro-1\n")
        let taken = try f.run(["create", "Again", "--id", "retro-1"], as: "bob")
        #expect(taken.status == 3)
        #expect(taken.stderr.hasPrefix("tandem: already_exists"))
    }

    @Test func refusalsAndErrorsAreOneClearLine() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let forbidden = try f.run(["post", "s1", "hello"], as: "carol")
        #expect(forbidden.status == 3) // refused by the server
        #expect(forbidden.stderr.hasPrefix("tandem: forbidden:"))
        #expect(forbidden.stderr.split(separator: "\n").count == 1)

        let missing = try f.run(["history", "nope"])
        #expect(missing.stderr.hasPrefix("tandem: not_found"))
        #expect(missing.status == 2)

        let badToken = try f.run(["RAW", "sessions", "--url", f.url, "--token", "wrong"])
        #expect(badToken.status == 4) // no connection
        #expect(badToken.stderr.contains("refused the credential (401)"))

        let refused = try f.run(["RAW", "sessions", "--url", "ws://127.0.0.1:1/ws", "--token", "x"])
        #expect(refused.stderr == "tandem: cannot connect to ws://127.0.0.1:1/ws: connection refused — is tandemd running? start it with deploy/run\n")
        #expect(refused.status == 4)

        let noToken = try f.run(["RAW", "sessions", "--url", f.url])
        #expect(noToken.stderr.contains("tandem login"))

        let help = try f.run(["RAW", "--help"])
        for name in ["sessions", "create", "post", "tail", "history", "export", "login", "open", "search", "info", "update",
                     "pause", "resume", "archive", "delete", "comments", "checkpoints", "import", "templates", "template",
                     "shares", "share", "revoke", "whoami", "undo", "clear", "comment", "state", "set", "checkpoint", "restore",
                     "branch", "merge", "discard", "members", "role", "remove", "stats"] {
            #expect(help.stdout.contains(name), "--help lists \(name)")
        }
        // A mistyped subcommand is named as such, not opened as a session.
        let typo = try f.run(["sesions"])
        #expect(typo.status == 1 && typo.stderr == "tandem: unknown command 'sesions' (did you mean 'sessions'?); to open a session of that name: tandem open sesions\n", "\(typo.stderr)")
        // Over max-turn the server says too_large; over max-message it closes 1009: refused too (3), not lost (4).
        let overTurn = try f.run(["post", "s1", "-"], stdin: String(repeating: "x", count: 300_000))
        #expect(overTurn.status == 3 && overTurn.stderr.hasPrefix("tandem: too_large:"), "\(overTurn.stderr)")
        let overMessage = try f.run(["post", "s1", "-"], stdin: String(repeating: "x", count: 1_100_000))
        #expect(overMessage.status == 3 && overMessage.stderr == "tandem: too_large: the request was larger than the server accepts (its max-message; closed 1009)\n",
                "\(overMessage.stderr)")
        // A refusal quoting what was sent shows its control characters, never sends them to the terminal.
        _ = try f.run(["checkpoint", "s1", "cp\u{1B}[5m"])
        let quoted = try f.run(["checkpoint", "s1", "cp\u{1B}[5m"])
        #expect(quoted.status == 3 && !quoted.stderr.contains("\u{1B}") && quoted.stderr.contains("already_exists"), "\(quoted.stderr)")
        // A word far from every command is a session to open; when there is none, both are said.
        let unknown = try f.run(["nosuchcmd"])
        #expect(unknown.status == 2 && unknown.stderr == "tandem: no session nosuchcmd, and no command of that name (tandem --help lists them)\n",
                "\(unknown.stderr)")
        let explicit = try f.run(["open", "nosuchcmd"])
        #expect(explicit.status == 2 && explicit.stderr.hasPrefix("tandem: not_found:"), "`open` names a session: \(explicit.stderr)")
        let version = try f.run(["RAW", "--version"])
        #expect(version.status == 0 && version.stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version.stdout)")
        let tooMany = try f.run(["tail", "s1", "--last", "5000"])
        #expect(tooMany.status == 1 && tooMany.stderr.contains("--last must be 0...1000"))
        let tailHelp = try f.run(["RAW", "tail", "--help"])
        #expect(tailHelp.stdout.contains("--json"))
    }

    @Test func loginWritesAPrivateConfigThatLaterCommandsUse() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let wrong = try f.run(["RAW", "login", "--url", f.url, "--token", "-"], stdin: "not-a-token\n")
        #expect(wrong.status == 4 && wrong.stderr.contains("refused the credential"))
        let share = try f.run(["RAW", "login", "--url", "http://127.0.0.1:\(f.port)/s/whatever", "--token", "x"])
        #expect(share.status == 1 && share.stderr.contains("share link needs no login"))
        // The token read from standard input stays out of the command line (and shell history).
        let login = try f.run(["RAW", "login", "--url", f.url, "--token", "-"], stdin: f.tokens["bob"]! + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        let path = f.environment["XDG_CONFIG_HOME"]! + "/tandem/config"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A symlink planted where the temporary file goes is replaced, not written through.
        let victim = f.environment["HOME"]! + "/victim"
        try "keep me\n".write(toFile: victim, atomically: false, encoding: .utf8)
        #expect(symlink(victim, path + ".tmp") == 0)
        let again = try f.run(["RAW", "login", "--url", f.url, "--token", "-"], stdin: f.tokens["bob"]! + "\n")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil, "config must be a plain file")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(f.tokens["bob"]!))
        let post = try f.run(["RAW", "post", "s1", "via config"])
        #expect(post.status == 0, "\(post.stderr)")
        let history = try f.run(["history", "s1", "--last", "1"])
        #expect(history.stdout.contains("bob (user): via config"))
    }

    @Test func shareLinkReadsWithoutATokenAndCannotWrite() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "visible to viewers"])
        let expires = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let secret = try f.server.store.createShareLink(session: "s1", actor: "alice", expiresAt: expires).secret
        let link = "http://127.0.0.1:\(f.port)/s/\(secret)"
        let history = try f.run(["RAW", "history", "s1", "--url", link])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("alice (user): visible to viewers"))
        let post = try f.run(["RAW", "post", "s1", "sneaky", "--url", link])
        #expect(post.status == 3)
        #expect(post.stderr.hasPrefix("tandem: forbidden:"))
        // The link names its session: it may be left out.
        let linked = try f.run(["RAW", "--url", link, "history", "--last", "1"])
        #expect(linked.status == 0 && linked.stdout.contains("alice (user): visible to viewers"), "\(linked.stderr)")
        // Without a link it may not, and nothing is sent.
        for command in ["history", "tail"] {
            let missing = try f.run([command])
            #expect(missing.status == 1 && missing.stderr.contains("missing SESSION"), "\(command): \(missing.stderr)")
        }
    }

    @Test func tailJSONFollowsLiveEvents() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "before tail"])
        let outPath = f.directory.appendingPathComponent("tail.out").path
        let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--json", "--last", "5", "--url", f.url, "--token", f.tokens["bob"]!],
                                environment: f.environment, stdoutPath: outPath, stderrPath: "/dev/null")
        defer { child.signal(SIGKILL); child.wait(timeout: 5) }
        let reader = FileLines(outPath)
        #expect(reader.waitFor { $0.contains("before tail") })
        _ = try f.run(["post", "s1", "live one"])
        _ = try f.run(["post", "s1", "live two"], as: "bob")
        #expect(reader.waitFor { $0.contains("live two") })
        child.signal(SIGTERM)
        #expect(child.wait(timeout: 5) == -SIGTERM, "tail stops on SIGTERM")
        let events = try reader.lines.map { try JSONValue(parsing: $0) }
        let turns = events.filter { $0["event"]?.stringValue == "turn" }
        #expect(turns.map { $0["content"]?.stringValue } == ["before tail", "live one", "live two"])
        #expect(turns.dropFirst().allSatisfy { $0["eseq"]?.intValue != nil })
    }
}

/// Reads the lines a child process writes to a file.
struct FileLines {
    let path: String
    init(_ path: String) { self.path = path }

    var lines: [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Waits (up to `timeout` s, scaled by `testTimeScale`) until a line matches. A backstop, as
    /// `Tmux.waitFor`'s: a line that shows ends the wait.
    func waitFor(timeout: Double = Tmux.defaultWait, _ matches: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout * testTimeScale)
        while Date() < deadline {
            if lines.contains(where: matches) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
