import Foundation
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
        // Bob follows B from before the merge.
        var follower: WebSocketClient?
        var head: Int64 = 0
        // Steps of 4 turns: 1,500 of them (a few seconds), so the merge is under way when the tool's
        // delete comes (it starts at the merge's first step; a process's start takes ~0.1-0.3 s).
        let merge = try LiveMerge(f, turns: 6_000, stepRecords: 4) { server, port in
            let bobToken = try server.store.createToken(userID: "bob", label: "follower").secret
            let client = try f.connect(port: port, secret: bobToken)
            follower = client
            try client.send(text: #"{"id":1,"op":"session.join","session":"b"}"#)
            let joined = try #require(nextJSON(client) { $0["id"]?.intValue == 1 })
            head = try #require(joined["result"]?["head_eseq"]?.intValue, "\(joined.serialized())")
        }
        defer { merge.stop() }
        let bob = try #require(follower)
        defer { bob.disconnect() }
        let merged = merge.turns
        let held = try merge.server.store.read { db throws(StoreError) in try db.scalar("SELECT turns_merged FROM branch_merges") } ?? 0

        let run = try #require(try merge.runAtOnce([["sessions", "delete", "s1", "--yes"]])?.first, "tandem-admin did not end")
        try merge.finish()
        expectStatus(run.result, 0)
        // A wait under a second is not told of; one of seconds is, once (MergeWaitTests).
        let notice = "note: session 'b' is being merged into by tandemd (branch 'c'); this command waits for the merge to end, "
            + "at most 600 s (--merge-wait); Ctrl-C gives up with nothing written\n"
        #expect(run.result.stderr.isEmpty || run.result.stderr == notice, "\(run.result.stderr)")
        if run.seconds < 1 { #expect(run.result.stderr.isEmpty, "\(run.result.stderr)") }
        if run.seconds > 2.5 { #expect(run.result.stderr == notice, "\(run.result.stderr)") }
        #expect(run.mergesLeft == 0, "the tool ended while the merge was still under way")
        print("tandem-admin sessions delete started \(held) turns into a merge of \(merged) (steps of 4); it ended after \(run.seconds) s")

        // The follower of B: every merged turn, the merge's change, then unparented; nothing skipped.
        var seen: [JSONValue] = []
        while let event = nextJSON(bob, timeout: 10 * testTimeScale, { $0["eseq"] != nil }) {
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
