import Foundation
import Testing
import TandemStore

/// A tandem-admin write that meets a session tandemd is merging into in steps waits for the merge,
/// but not silently and not for ever: after about a second it says so on stderr (the session, the
/// merge, the bound, Ctrl-C), and past `--merge-wait` it gives up with exit 4, nothing written,
/// while the server's merge completes unharmed; a write still waiting when the merge ends goes through.
@Suite struct MergeWaitTests {
    @Test func writesMeetingAMergeSayTheyWaitAndGiveUpPastMergeWaitWithNothingWritten() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        // Steps of 1 turn: 30,000 of them (about 9 s here, idle), far longer than the tools' 2 s bound.
        let merge = try LiveMerge(f, turns: 30_000, stepRecords: 1)
        defer { merge.stop() }

        // Ctrl-C once the tool says it waits: it ends with nothing written (carol stays read in B, from s1).
        let interrupted = try interruptAfterNotice(f, ["grant", "carol", "b", "write", "--db", f.db], within: merge.timeLimit)
        #expect(interrupted.reason == .uncaughtSignal && interrupted.status == SIGINT, "\(interrupted)")
        #expect(interrupted.stderr.hasPrefix("note: session 'b' is being merged into by tandemd (branch 'c')"), "\(interrupted.stderr)")
        #expect(try merge.mergesUnderWay() == 1, "the merge ended before the Ctrl-C: the test proves nothing")

        // Every kind of write that meets the hold: a delete of B's parent (its unparent of B), a
        // grant, a revoke and an archive of B.
        let commands = [["sessions", "delete", "s1", "--yes"], ["grant", "erin", "b", "read"], ["revoke", "carol", "b"],
                        ["sessions", "archive", "b", "--yes"]].map { $0 + ["--merge-wait", "2"] }
        let runs = try #require(try merge.runAtOnce(commands), "a tool did not end")
        for run in runs {
            expectStatus(run.result, 4)
            #expect(run.mergesLeft == 1, "the merge ended before \(run.command) gave up: the test proves nothing")
            #expect(run.seconds >= 2, "\(run.command) gave up after \(run.seconds) s")
            let lines = run.result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(run.result.stderr)")
            #expect(lines.first == "note: session 'b' is being merged into by tandemd (branch 'c'); this command waits for the merge to end, "
                    + "at most 2 s (--merge-wait); Ctrl-C gives up with nothing written", "\(run.result.stderr)")
            #expect(lines.last == "error: session 'b' is still being merged into by tandemd (branch 'c') after 2 s: nothing was written; "
                    + "retry when the merge ends, or wait longer with --merge-wait SECONDS", "\(run.result.stderr)")
            print("tandem-admin \(run.command.joined(separator: " ")) gave up after \(run.seconds) s")
        }

        // The merge completes unharmed; nothing of the tools' writes is in the file.
        try merge.finish()
        let db = try Database(path: f.db, readOnly: true)
        defer { db.close() }
        #expect(try db.scalar("SELECT count(*) FROM branch_merges") == 0)
        #expect(try db.queryOne("SELECT status FROM sessions WHERE id = 's1'") { $0.text(0) } == "active")
        #expect(try db.queryOne("SELECT status FROM sessions WHERE id = 'b'") { $0.text(0) } == "active")
        #expect(try db.scalar("SELECT count(*) FROM sessions b JOIN sessions p ON p.sid = b.parent_sid WHERE b.id = 'b' AND p.id = 's1'") == 1)
        #expect(try db.scalar("SELECT count(*) FROM members m JOIN sessions s USING (sid) WHERE s.id = 'b' AND m.user_id = 'erin'") == 0)
        #expect(try db.queryOne("SELECT role FROM members m JOIN sessions s USING (sid) WHERE s.id = 'b' AND m.user_id = 'carol'") { $0.text(0) } == "read")
        #expect(try db.scalar("SELECT count(*) FROM turns t JOIN sessions s USING (sid) WHERE s.id = 'b'") == Int64(merge.turns) + 1)
        #expect(try db.query("PRAGMA integrity_check") { $0.text(0) } == ["ok"])
    }

    @Test func aRevokeAndAnArchiveWaitingForAMergeGoThroughOnceItEnds() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        // Steps of 1 turn: 15,000 of them (4-5 s here), so that the tools' writes meet the merge
        // and wait seconds for it (their notice on stderr says they did).
        let merge = try LiveMerge(f, turns: 15_000, stepRecords: 1)
        defer { merge.stop() }

        let runs = try #require(try merge.runAtOnce([["revoke", "carol", "b"], ["sessions", "archive", "b", "--yes"]]), "a tool did not end")
        try merge.finish()
        let notice = "note: session 'b' is being merged into by tandemd (branch 'c'); this command waits for the merge to end, "
            + "at most 600 s (--merge-wait); Ctrl-C gives up with nothing written\n"
        for run in runs {
            expectStatus(run.result, 0)
            #expect(run.mergesLeft == 0, "\(run.command) ended while the merge was still under way")
            #expect(run.result.stderr == notice, "waited less than a second (the merge ended too soon: the test proves nothing)? \(run.result.stderr)")
            print("tandem-admin \(run.command.joined(separator: " ")) went through after \(run.seconds) s")
        }
        #expect(runs.map(\.result.stdout) == ["removed carol from b\n", "archived session b\n"])

        // Both written after the merge: B archived, carol gone from it, every merged turn there.
        let db = try Database(path: f.db, readOnly: true)
        defer { db.close() }
        #expect(try db.scalar("SELECT count(*) FROM branch_merges") == 0)
        #expect(try db.queryOne("SELECT status FROM sessions WHERE id = 'b'") { $0.text(0) } == "archived")
        #expect(try db.scalar("SELECT count(*) FROM members m JOIN sessions s USING (sid) WHERE s.id = 'b' AND m.user_id = 'carol'") == 0)
        #expect(try db.scalar("SELECT count(*) FROM turns t JOIN sessions s USING (sid) WHERE s.id = 'b'") == Int64(merge.turns) + 1)
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
