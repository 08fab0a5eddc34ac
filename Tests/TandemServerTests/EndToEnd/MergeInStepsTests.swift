import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A big `branch.merge` goes in steps: a member following the parent receives every merged
    /// turn in order, with no gap or repeat, while the merge runs; a post to the parent made
    /// meanwhile waits and lands after the merged block.
    @Suite("Merge in steps") struct MergeInStepsTests {
        @Test("a member follows a merge in steps in order while another member posts to the parent")
        func membersFollowAMergeInSteps() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let carol = try harness.user("carol")
            try harness.session("main", owner: alice, members: [(bob, .write), (carol, .read)])
            let store = harness.store
            _ = try store.appendTurn(session: "main", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "main", actor: "alice", id: "big")
            let merged = 6_000 // 12 steps of importStepRows (500)
            for chunk in stride(from: 0, to: merged, by: 1000) {
                _ = try store.appendTurns(session: "big", actor: "bob", (chunk..<chunk + 1000).map {
                    NewTurn(role: .user, content: "m\($0)")
                })
            }
            let follower = try harness.connect(carol)
            var ledger = EventLedger(last: try follower.ok("session.join", ["session": "main"]).int("head_eseq"))
            let owner = try harness.connect(alice)
            let poster = try harness.connect(bob)
            let mergeID = try owner.send("branch.merge", ["session": "big"])
            // Once the merge holds the parent, bob posts to it: the post waits for the merge.
            let deadline = Date().addingTimeInterval(30)
            var held = false
            while !held && Date() < deadline {
                held = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 } > 0
                if !held { Thread.sleep(forTimeInterval: 0.001) }
            }
            #expect(held)
            let postID = try poster.send("turn.post", ["session": "main", "content": "during the merge"])
            var eventsDuringMerge = 0
            while try store.read({ db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 }) > 0,
                  Date() < deadline {
                if let event = follower.nextEvent(timeout: 0.05) {
                    ledger.apply(event, from: "carol")
                    if event["eseq"] != nil { eventsDuringMerge += 1 }
                }
            }
            let answer = try owner.response(to: mergeID, timeout: 60)
            #expect(answer["result"]?["merged"] == true)
            #expect(answer["result"]?["last_seq"]?.intValue.map { $0 - (answer["result"]?["first_seq"]?.intValue ?? 0) + 1 } == Int64(merged))
            let posted = try poster.response(to: postID, timeout: 30)
            let postedSeq = try #require(posted["result"]?["turn"]?["seq"]?.intValue)
            #expect(postedSeq == (answer["result"]?["last_seq"]?.intValue ?? 0) + 1)
            let head = try store.session(id: "main").lastEventSeq
            while ledger.last < head, let event = follower.nextEvent(timeout: 10) { ledger.apply(event, from: "carol") }
            #expect(ledger.problems.isEmpty, "\(ledger.problems.prefix(5))")
            #expect(ledger.last == head)
            let contents = ledger.turns.keys.sorted().compactMap { ledger.turns[$0] }
            #expect(contents == (0..<merged).map { "m\($0)" } + ["during the merge"])
            // The member saw the merge as it went, not all at the end.
            #expect(eventsDuringMerge > 0)
            print("merge of \(merged) turns over the wire: \(eventsDuringMerge) of the parent's events reached the follower before the merge ended")
        }
    }
}

extension EndToEnd {
    /// The merger drops its connection right after asking for a merge in steps: the merge still
    /// ends (it runs on a work thread, not on the connection), the hold is lifted, and a member
    /// who joins the parent mid-merge with `since` receives every merged turn once, in order.
    @Suite("Merge after the merger left") struct MergeAfterTheMergerLeftTests {
        @Test("the merger disconnects mid-merge: the merge ends and a member joining with since gets it all")
        func theMergeEndsWithoutTheMerger() throws {
            let harness = try TestServer { $0.writeStepRecords = 20 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let carol = try harness.user("carol")
            try harness.session("main", owner: alice, members: [(carol, .read)])
            let store = harness.store
            _ = try store.appendTurn(session: "main", actor: "alice", NewTurn(role: .user, content: "base"))
            let joinedAt = try store.session(id: "main").lastEventSeq
            _ = try store.createBranch(session: "main", actor: "alice", id: "big")
            let merged = 3_000
            _ = try store.appendTurns(session: "big", actor: "alice", (0..<merged).map { NewTurn(role: .user, content: "m\($0)") })
            let merger = try harness.connect(alice)
            _ = try merger.send("branch.merge", ["session": "big"])
            let deadline = Date().addingTimeInterval(30)
            while try store.read({ db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 }) == 0, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.001)
            }
            merger.disconnect()
            // A member joins mid-merge (or just after), asking for what came after what they had.
            let follower = try harness.connect(carol)
            _ = try follower.ok("session.join", ["session": "main", "since": .integer(joinedAt)])
            var ledger = EventLedger(last: joinedAt)
            while try store.session(id: "big").status != .archived, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try store.session(id: "big").status == .archived)
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") } == 0)
            let head = try store.session(id: "main").lastEventSeq
            while ledger.last < head, let event = follower.nextEvent(timeout: 10) { ledger.apply(event, from: "carol") }
            #expect(ledger.problems.isEmpty, "\(ledger.problems.prefix(5))")
            #expect(ledger.last == head)
            #expect(ledger.turns.keys.sorted().compactMap { ledger.turns[$0] } == (0..<merged).map { "m\($0)" })
        }
    }
}
