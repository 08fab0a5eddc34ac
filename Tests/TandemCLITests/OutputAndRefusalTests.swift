import Foundation
import Testing
import TandemStore
#if canImport(Glibc)
import Glibc
#endif

/// What scripts rely on: output that cannot be written stops the client with a failing status,
/// and a refused credential is final, not retried forever.
@Suite struct OutputAndRefusalTests {
    @Test func aFullDiskIsAFailureNotATruncatedSuccess() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "something to export"])
        for command in [["export", "s1"], ["history", "s1"]] {
            let errPath = f.directory.appendingPathComponent("err-full").path
            let child = try Spawned(CLIFixture.binary, command + ["--url", f.url, "--token", f.tokens["alice"]!],
                                    environment: f.environment, stdoutPath: "/dev/full", stderrPath: errPath)
            #expect(child.wait(timeout: 20) == 1, "\(command)")
            #expect((try? String(contentsOfFile: errPath, encoding: .utf8))?.contains("cannot write to standard output") == true)
        }
    }

    @Test func tailEndsWhenTheReaderOfItsOutputLeaves() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "first"])
        let fifo = f.directory.appendingPathComponent("tail.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC) // not inherited: the child would be a reader itself
        #expect(reader >= 0)
        let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--url", f.url, "--token", f.tokens["bob"]!],
                                environment: f.environment, stdoutPath: fifo, stderrPath: "/dev/null")
        defer { child.signal(SIGKILL); child.wait(timeout: 5) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(eventuallyTrue { read(reader, &buffer, buffer.count) > 0 }) // `tail s1 | head -1`: one read,
        close(reader)                                                       // then the reader is gone
        _ = try f.run(["post", "s1", "nobody reads this"])
        #expect(child.wait(timeout: 10) == 141, "tail stops as if killed by SIGPIPE")
    }

    @Test func aRevokedTokenOrLinkEndsTheSessionWithTheReason() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let expires = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let link = try f.server.store.createShareLink(session: "s1", actor: "alice", expiresAt: expires)
        _ = try f.run(["post", "s1", "joined"])
        let errPath = f.directory.appendingPathComponent("tail.err").path
        let outPath = f.directory.appendingPathComponent("tail.out").path
        let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--url", f.url, "--token", f.tokens["bob"]!],
                                environment: f.environment, stdoutPath: outPath, stderrPath: errPath)
        defer { child.signal(SIGKILL); child.wait(timeout: 5) }
        #expect(FileLines(outPath).waitFor { $0.contains("joined") })
        // While tandemd is down, bob's token is revoked: the reconnect gets 401 and tail stops.
        try f.restart { store in
            for token in try store.adminTokens() where token.userID == "bob" { try store.adminRevokeToken(id: token.id) }
            try store.adminRevokeShareLink(id: link.link.id)
        }
        #expect(child.wait(timeout: 20) == 4) // no connection: the credential was refused
        #expect((try? String(contentsOfFile: errPath, encoding: .utf8))?.contains("refused the credential (401)") == true)
        let viewer = try f.run(["RAW", "history", "s1", "--url", "http://127.0.0.1:\(f.port)/s/\(link.secret)"])
        #expect(viewer.status == 4)
        #expect(viewer.stderr.contains("share link no longer opens anything"))
        #expect(!viewer.stderr.contains(link.secret))
    }

    /// A link goes with its session: a viewer who had it is refused as for a mistyped link (the server
    /// keeps nothing of deleted links), and the message names that cause too.
    @Test func aLinkWhoseSessionWasDeletedSaysItMayHaveBeen() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let expires = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        _ = try f.run(["post", "s1", "before the delete"])
        let link = try f.server.store.createShareLink(session: "s1", actor: "alice", expiresAt: expires)
        let url = "http://127.0.0.1:\(f.port)/s/\(link.secret)"
        #expect(try f.run(["RAW", "history", "s1", "--url", url]).stdout.contains("before the delete"))
        _ = try f.server.store.deleteSession(id: "s1", actor: "alice")
        let viewer = try f.run(["RAW", "history", "s1", "--url", url])
        #expect(viewer.status == 4)
        #expect(viewer.stderr.contains("share link no longer opens anything") && viewer.stderr.contains("session was deleted"),
                "\(viewer.stderr)")
        #expect(!viewer.stderr.contains(link.secret))
    }

    /// A live connection cut by `tandem-admin`: a revoked token is told to ask for a new one; a removed
    /// user (whose tokens went with the account) is told the account is gone, not to ask for a token; a
    /// disabled one to have it enabled (a new token would not help).
    @Test func aLiveConnectionCutSaysWhetherTheTokenOrTheAccountWent() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "joined"])
        var children: [(user: String, child: Spawned, err: String)] = []
        for user in ["bob", "carol", "alice"] {
            let errPath = f.directory.appendingPathComponent("\(user).err").path
            let outPath = f.directory.appendingPathComponent("\(user).out").path
            let child = try Spawned(CLIFixture.binary, ["tail", "s1", "--url", f.url, "--token", f.tokens[user]!],
                                    environment: f.environment, stdoutPath: outPath, stderrPath: errPath)
            children.append((user, child, errPath))
            #expect(FileLines(outPath).waitFor { $0.contains("joined") })
        }
        defer { for c in children { c.child.signal(SIGKILL); c.child.wait(timeout: 5) } }
        for token in try f.server.store.adminTokens() where token.userID == "bob" { try f.server.store.adminRevokeToken(id: token.id) }
        try f.server.store.adminRemoveUser(id: "carol")
        try f.server.store.adminSetUserDisabled(id: "alice", disabled: true)
        let expectations = ["bob": "4401: your token was revoked; ask for a new one", "carol": "4401: your account was removed from this server",
                            "alice": "4401: your account was disabled on this server; ask its administrator to enable it"]
        for (user, child, errPath) in children {
            #expect(child.wait(timeout: 10) == 4, "\(user)")
            let said = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            let expected = expectations[user]!
            #expect(said.contains(expected), "\(user): \(said)")
        }
    }

    @Test func postRetriesAnUnreachableServerButNotAFinalClose() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        // Over max-message (1 MiB): the server closes with 1009, which says do not come back; the
        // request was refused (3: too_large), not lost.
        let started = Date()
        let big = try f.run(["post", "s1", "-"], stdin: String(repeating: "x", count: 2 << 20))
        #expect(big.status == 3 && big.stderr.contains("too_large") && big.stderr.contains("1009"), "\(big.stderr)")
        // Retrying (three attempts by default) would sleep 1 + 2 + 3 s and upload 2 MiB twice more; one
        // upload alone took 1.3 s on a host with load 18, so the bound is half the sleeps (scaled under a sanitizer).
        #expect(Date().timeIntervalSince(started) < 3 * testTimeScale, "a final close was retried")
        // Nothing listens on port 1: two attempts, a second apart, then the reason.
        let down = Date()
        let unreachable = try f.run(["RAW", "post", "s1", "hi", "--attempts", "2", "--url", "ws://127.0.0.1:1/ws", "--token", "x"])
        #expect(unreachable.status == 4 && unreachable.stderr.contains("cannot connect"))
        #expect(Date().timeIntervalSince(down) >= 1)
    }

    private func eventuallyTrue(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return false
    }
}
