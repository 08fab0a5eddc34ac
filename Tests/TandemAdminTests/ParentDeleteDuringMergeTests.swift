import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemServer
import TandemStore
import TandemTransport

/// `tandem-admin sessions delete P`, in its own process, while tandemd merges branch C into P's
/// branch B in steps: the delete's `unparent` of B waits for the merge (B is held, and the tool reads
/// the holds from the file as the server does), then goes through. B's log has every merged turn,
/// then the merge's own change, then `unparented` by admin, with no number skipped or repeated;
/// B's follower receives them in that order, and the file is sound.
@Suite struct ParentDeleteDuringMergeTests {
    @Test func anAdminDeleteOfTheParentWaitsForAMergeIntoItsBranch() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let merged = 6_000
        let (aliceToken, bobToken) = try f.seed { store in
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b")
            _ = try store.createBranch(session: "b", actor: "alice", id: "c")
            for chunk in stride(from: 0, to: merged, by: 1000) {
                _ = try store.appendTurns(session: "c", actor: "bob", (chunk..<chunk + 1000).map { NewTurn(role: .user, content: "m\($0)") })
            }
            return (try store.createToken(userID: "alice", label: "merger").secret, try store.createToken(userID: "bob", label: "follower").secret)
        }
        // Steps of 4 turns: 1,500 of them (a few seconds), so the merge is under way when the tool's
        // delete comes (it starts at the merge's first step; a process's start takes ~0.1-0.3 s).
        let (server, port) = try f.startServer { $0.writeStepRecords = 4 }
        defer { server.shutdown(grace: 0.5) }
        let follower = try f.connect(port: port, secret: bobToken)
        defer { follower.disconnect() }
        try follower.send(text: #"{"id":1,"op":"session.join","session":"b"}"#)
        let joined = try #require(nextJSON(follower) { $0["id"]?.intValue == 1 })
        let head = try #require(joined["result"]?["head_eseq"]?.intValue, "\(joined.serialized())")
        let merger = try f.connect(port: port, secret: aliceToken)
        defer { merger.disconnect() }
        try merger.send(text: #"{"id":2,"op":"branch.merge","session":"c"}"#)

        let timeLimit = 60 * testTimeScale
        let deadline = Date().addingTimeInterval(timeLimit)
        func mergedSoFar() throws -> Int64? {
            try server.store.read { db throws(StoreError) in try db.scalar("SELECT turns_merged FROM branch_merges") }
        }
        var atLaunch = try mergedSoFar()
        while atLaunch == nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.001)
            atLaunch = try mergedSoFar()
        }
        let held = try #require(atLaunch, "the merge never held B")

        let started = Date()
        // The tool, and whether the merge was still under way when it ended.
        let admin = Mutex<(result: CLIResult?, seconds: Double, mergeLeft: Int64?)?>(nil)
        let thread = Thread {
            let result = try? f.run(["sessions", "delete", "s1", "--yes"])
            let left = try? server.store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") }
            admin.withLock { $0 = (result, Date().timeIntervalSince(started), left) }
        }
        thread.start()

        let answer = try #require(nextJSON(merger, timeout: timeLimit) { $0["id"]?.intValue == 2 })
        let mergeSeconds = Date().timeIntervalSince(started)
        #expect(answer["result"]?["merged"] == true, "\(answer.serialized())")
        let first = answer["result"]?["first_seq"]?.intValue ?? 0, last = answer["result"]?["last_seq"]?.intValue ?? 0
        #expect(last - first + 1 == Int64(merged), "\(answer.serialized())")
        while admin.withLock({ $0 }) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let (result, adminSeconds, mergeLeft) = try #require(admin.withLock { $0 }, "tandem-admin did not end")
        let ran = try #require(result)
        expectStatus(ran, 0)
        // A wait under a second is not told of; one of seconds is, once (MergeWaitTests).
        let notice = "note: session 'b' is being merged into by tandemd (branch 'c'); this command waits for the merge to end, "
            + "at most 600 s (--merge-wait); Ctrl-C gives up with nothing written\n"
        #expect(ran.stderr.isEmpty || ran.stderr == notice, "\(ran.stderr)")
        if adminSeconds < 1 { #expect(ran.stderr.isEmpty, "\(ran.stderr)") }
        if adminSeconds > 2.5 { #expect(ran.stderr == notice, "\(ran.stderr)") }
        #expect(mergeLeft == 0, "the tool ended while the merge was still under way")
        print("tandem-admin sessions delete started \(held) turns into a merge of \(merged) (steps of 4); it ended after \(adminSeconds) s, the merge's answer came after \(mergeSeconds) s")

        // The follower of B: every merged turn, the merge's change, then unparented; nothing skipped.
        var seen: [JSONValue] = []
        while let event = nextJSON(follower, timeout: 10 * testTimeScale, { $0["eseq"] != nil }) {
            seen.append(event)
            if event["change"] == "unparented" { break }
        }
        let numbers = seen.compactMap { $0["eseq"]?.intValue }
        #expect(numbers == Array((head + 1)...(head + Int64(seen.count))), "no gap or repeat: \(numbers.prefix(3))...\(numbers.suffix(3))")
        let turns = seen.filter { $0["event"] == "turn" }.compactMap { $0["content"]?.stringValue }
        #expect(turns == (0..<merged).map { "m\($0)" })
        let tail = seen.suffix(2)
        #expect(tail.count == 2 && tail.first?["event"] != "turn", "the merge's own change comes before: \(tail.map { $0.serialized() })")
        let unparented = try #require(seen.last)
        #expect(unparented["event"] == "session" && unparented["change"] == "unparented" && unparented["by"] == "admin"
                && unparented["detail"] == "s1", "\(unparented.serialized())")

        // The file: the merge over, B without its parent at the head the follower reached, s1 gone, sound.
        let db = try Database(path: f.db, readOnly: true)
        defer { db.close() }
        #expect(try db.scalar("SELECT count(*) FROM branch_merges") == 0)
        #expect(try db.queryOne("SELECT parent_sid IS NULL, last_event_seq FROM sessions WHERE id = 'b'") { "\($0.int(0)) \($0.int(1))" }
                == "1 \(head + Int64(seen.count))")
        #expect(try db.scalar("SELECT count(*) FROM sessions WHERE id = 's1'") == 0)
        #expect(try db.queryOne("SELECT status FROM sessions WHERE id = 'c'") { $0.text(0) } == "archived")
        #expect(try db.scalar("SELECT count(*) FROM turns t JOIN sessions s USING (sid) WHERE s.id = 'b'") == Int64(merged) + 1)
        #expect(try db.query("PRAGMA integrity_check") { $0.text(0) } == ["ok"])
    }
}
