import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemServer
import TandemStore
import TandemTransport

/// A tandem-admin write that meets a session tandemd is merging into in steps waits for the merge,
/// but not silently and not for ever: after about a second it says so on stderr (the session, the
/// merge, the bound, Ctrl-C), and past `--merge-wait` it gives up with exit 4, nothing written,
/// while the server's merge completes unharmed.
@Suite struct MergeWaitTests {
    @Test func writesMeetingAMergeSayTheyWaitAndGiveUpPastMergeWaitWithNothingWritten() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let merged = 30_000
        let aliceToken = try f.seed { store in
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b")
            _ = try store.createBranch(session: "b", actor: "alice", id: "c")
            for chunk in stride(from: 0, to: merged, by: 1000) {
                _ = try store.appendTurns(session: "c", actor: "alice", (chunk..<chunk + 1000).map { NewTurn(role: .user, content: "m\($0)") })
            }
            return try store.createToken(userID: "alice", label: "merger").secret
        }
        // Steps of 1 turn: 30,000 of them (about 9 s here, idle), far longer than the tools' 2 s bound.
        let (server, port) = try f.startServer { $0.writeStepRecords = 1 }
        defer { server.shutdown(grace: 0.5) }
        let merger = try f.connect(port: port, secret: aliceToken)
        defer { merger.disconnect() }
        try merger.send(text: #"{"id":1,"op":"branch.merge","session":"c"}"#)

        let timeLimit = 120 * testTimeScale
        let deadline = Date().addingTimeInterval(timeLimit)
        @Sendable func mergesUnderWay() throws -> Int64? {
            try server.store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") }
        }
        while try mergesUnderWay() == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        #expect(try mergesUnderWay() == 1, "the merge never held B")

        // Ctrl-C once the tool says it waits: it ends with nothing written (carol stays read in B, from s1).
        let interrupted = try interruptAfterNotice(f, ["grant", "carol", "b", "write", "--db", f.db], within: timeLimit)
        #expect(interrupted.reason == .uncaughtSignal && interrupted.status == SIGINT, "\(interrupted)")
        #expect(interrupted.stderr.hasPrefix("note: session 'b' is being merged into by tandemd (branch 'c')"), "\(interrupted.stderr)")
        #expect(try mergesUnderWay() == 1, "the merge ended before the Ctrl-C: the test proves nothing")

        // Two writes that meet the hold: a delete of B's parent (its unparent of B) and a grant on B.
        let commands = [["sessions", "delete", "s1", "--yes", "--merge-wait", "2"], ["grant", "erin", "b", "read", "--merge-wait", "2"]]
        let results = Mutex<[Int: (result: CLIResult?, seconds: Double, mergeLeft: Int64?)]>([:])
        for (n, command) in commands.enumerated() {
            Thread {
                let started = Date()
                let result = try? f.run(command)
                let left = try? mergesUnderWay()
                results.withLock { $0[n] = (result, Date().timeIntervalSince(started), left) }
            }.start()
        }
        while results.withLock({ $0.count }) < commands.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        for (n, command) in commands.enumerated() {
            let (result, seconds, mergeLeft) = try #require(results.withLock { $0[n] }, "\(command) did not end")
            let ran = try #require(result)
            expectStatus(ran, 4)
            #expect(mergeLeft == 1, "the merge ended before \(command) gave up: the test proves nothing")
            #expect(seconds >= 2, "\(command) gave up after \(seconds) s")
            let lines = ran.stderr.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(ran.stderr)")
            #expect(lines.first == "note: session 'b' is being merged into by tandemd (branch 'c'); this command waits for the merge to end, "
                    + "at most 2 s (--merge-wait); Ctrl-C gives up with nothing written", "\(ran.stderr)")
            #expect(lines.last == "error: session 'b' is still being merged into by tandemd (branch 'c') after 2 s: nothing was written; "
                    + "retry when the merge ends, or wait longer with --merge-wait SECONDS", "\(ran.stderr)")
            print("tandem-admin \(command.joined(separator: " ")) gave up after \(seconds) s")
        }

        // The merge completes unharmed; nothing of the tools' writes is in the file.
        let answer = try #require(nextJSON(merger, timeout: timeLimit) { $0["id"]?.intValue == 1 })
        #expect(answer["result"]?["merged"] == true, "\(answer.serialized())")
        let first = answer["result"]?["first_seq"]?.intValue ?? 0, last = answer["result"]?["last_seq"]?.intValue ?? 0
        #expect(last - first + 1 == Int64(merged), "\(answer.serialized())")
        let db = try Database(path: f.db, readOnly: true)
        defer { db.close() }
        #expect(try db.scalar("SELECT count(*) FROM branch_merges") == 0)
        #expect(try db.queryOne("SELECT status FROM sessions WHERE id = 's1'") { $0.text(0) } == "active")
        #expect(try db.scalar("SELECT count(*) FROM sessions b JOIN sessions p ON p.sid = b.parent_sid WHERE b.id = 'b' AND p.id = 's1'") == 1)
        #expect(try db.scalar("SELECT count(*) FROM members m JOIN sessions s USING (sid) WHERE s.id = 'b' AND m.user_id = 'erin'") == 0)
        #expect(try db.queryOne("SELECT role FROM members m JOIN sessions s USING (sid) WHERE s.id = 'b' AND m.user_id = 'carol'") { $0.text(0) } == "read")
        #expect(try db.scalar("SELECT count(*) FROM turns t JOIN sessions s USING (sid) WHERE s.id = 'b'") == Int64(merged) + 1)
        #expect(try db.query("PRAGMA integrity_check") { $0.text(0) } == ["ok"])
    }

    /// Runs tandem-admin with `args`, sends it SIGINT once its stderr has a line, and waits for it.
    private func interruptAfterNotice(_ f: AdminFixture, _ args: [String], within seconds: Double)
        throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let process = Process()
        // Through env: a test run from a background job inherits SIGINT ignored, as the tool would.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=INT", adminBinary] + args
        let errPath = f.dir + "/err-interrupted"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        func stderr() -> String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }
        let deadline = Date().addingTimeInterval(seconds)
        while !stderr().contains("\n") && process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        process.interrupt()
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, stderr())
    }
}
