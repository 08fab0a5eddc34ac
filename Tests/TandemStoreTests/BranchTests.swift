import Synchronization
import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct BranchTests {
    @Test func forkWorkAndMergeBack() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...2).map { NewTurn(role: .user, content: "t\($0)") })
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["a": 1, "b": 1], baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "keep", value: "same", baseVersion: 0)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t3"))
            let branch = try store.createBranch(session: "s1", actor: "bob", atSeq: 2, id: "b1")
            #expect(branch.parentID == "s1" && branch.forkSeq == 2 && branch.branchStatus == "open" && branch.lastTurnSeq == 2)
            #expect(branch.title == "Planning (branch)")
            _ = try store.createSession(id: "untitled", title: "", owner: "alice")
            #expect(try store.createBranch(session: "untitled", actor: "alice", id: "ub").title == "branch of untitled")
            #expect(try store.members(session: "b1", actor: "bob").map(\.role) == [.owner, .write, .comment, .read])
            #expect(try store.lastTurns(session: "b1", actor: "bob", count: 10).map(\.content) == ["t1", "t2"])
            #expect(try store.changes(session: "b1", actor: "bob", since: 0).events.map(\.eventSeq) == [1, 2, 3, 4])
            // Work on both sides.
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "branch work"))
            _ = try store.writeRow(session: "b1", actor: "bob", key: "doc", value: ["a": 2, "b": 1], baseVersion: 1)
            _ = try store.writeRow(session: "b1", actor: "bob", key: "new", value: true, baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["a": 1, "b": 5], baseVersion: 1)
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "main work"))
            #expect(errorCode { _ = try store.mergeBranch(branch: "b1", actor: "bob") } == "forbidden")
            let result = try store.mergeBranch(branch: "b1", actor: "alice")
            guard case .merged(let summary) = result else { Issue.record("\(result)"); return }
            #expect(summary.firstSeq == 5 && summary.lastSeq == 5 && summary.turnCount == 1)
            let turns = try mergedTurns(store, parent: "s1", summary)
            #expect(turns.map(\.seq) == [5] && turns.map(\.content) == ["branch work"] && turns.first?.author == "bob")
            #expect(summary.rowKeys == ["doc", "new"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "doc")?.value == ["a": 2, "b": 5])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "new")?.value == true)
            #expect(try store.session(id: "b1").branchStatus == "merged")
            #expect(errorCode { _ = try store.mergeBranch(branch: "b1", actor: "alice") } == "invalid_state")
            #expect(try store.auditLog(session: "s1").first?.action == "branch.merge")
        }
    }

    @Test func aBranchAtAnEarlierTurnStartsFromTheRowsOfThatTime() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "plan", value: ["step": 1, "owner": "bob"], baseVersion: 0)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...2).map { NewTurn(role: .user, content: "t\($0)") })
            _ = try store.writeRow(session: "s1", actor: "bob", key: "plan", value: ["step": 2, "owner": "bob"], baseVersion: 1)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t3"))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "plan", value: ["step": 3, "owner": "bob"], baseVersion: 2)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "later", value: "x", baseVersion: 0)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t4"))

            // Turn 2 was the last while plan was at version 2 (written after turn 2, before turn 3).
            _ = try store.createBranch(session: "s1", actor: "bob", atSeq: 2, id: "b2")
            let plan = try store.stateRow(session: "b2", actor: "bob", key: "plan")
            #expect(plan?.version == 2 && plan?.value == ["step": 2, "owner": "bob"])
            #expect(try store.stateRow(session: "b2", actor: "bob", key: "later") == nil)
            #expect(try store.stateHistory(session: "b2", actor: "bob", key: "plan").map(\.version) == [1, 2])
            _ = try store.createBranch(session: "s1", actor: "bob", atSeq: 0, id: "b0")
            #expect(try store.stateRow(session: "b0", actor: "bob", key: "plan")?.version == 1)
            _ = try store.createBranch(session: "s1", actor: "bob", id: "bHead")
            #expect(try store.stateRow(session: "bHead", actor: "bob", key: "plan")?.version == 3)
            #expect(try store.stateRow(session: "bHead", actor: "bob", key: "later") != nil)

            // A branch of b2 before b2's own fork knows only the rows b2 started from.
            _ = try store.writeRow(session: "b2", actor: "bob", key: "plan", value: ["step": 2, "owner": "carol"], baseVersion: 2)
            _ = try store.createBranch(session: "b2", actor: "bob", atSeq: 1, id: "b2a")
            #expect(try store.stateRow(session: "b2a", actor: "bob", key: "plan")?.version == 2)
            _ = try store.appendTurn(session: "b2", actor: "bob", NewTurn(role: .user, content: "b2 work"))
            _ = try store.createBranch(session: "b2", actor: "bob", atSeq: 2, id: "b2b")
            #expect(try store.stateRow(session: "b2b", actor: "bob", key: "plan")?.value == ["step": 2, "owner": "carol"])
            // A session's branches are listed by its id, the branches of a branch apart.
            #expect(Set(try store.listSessions(SessionFilter(parent: "s1")).sessions.map(\.id)) == ["b2", "b0", "bHead"])
            #expect(Set(try store.listSessions(SessionFilter(member: "bob", parent: "b2")).sessions.map(\.id)) == ["b2a", "b2b"])
            #expect(try store.listSessions(SessionFilter(parent: "b2a")).sessions.isEmpty)
            #expect(try store.listSessions(SessionFilter(parent: "no-such-session")).sessions.isEmpty)

            // Merging b2 back: its change (owner) is merged three-way against the fork point's
            // version 2 with the parent's later one (step 3).
            let result = try store.mergeBranch(branch: "b2", actor: "alice")
            guard case .merged(let summary) = result else { Issue.record("\(result)"); return }
            #expect(summary.rowKeys == ["plan"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "plan")?.value == ["step": 3, "owner": "carol"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "later")?.value == "x")
        }
    }

    @Test func conflictingMergeWritesNothingUntilResolved() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["a": 1], baseVersion: 0)
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "x"))
            _ = try store.writeRow(session: "b1", actor: "bob", key: "doc", value: ["a": 2], baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["a": 3], baseVersion: 1)
            let before = try tableCounts(store)
            let result = try store.mergeBranch(branch: "b1", actor: "alice")
            guard case .conflict(let byKey, _) = result else { Issue.record("\(result)"); return }
            #expect(byKey["doc"]?.first.map { [$0.base, $0.current, $0.proposed] } == [1, 3, 2])
            #expect(try tableCounts(store) == before)
            let resolved = try store.mergeBranch(branch: "b1", actor: "alice", resolutions: ["doc": ["a": 4]])
            guard case .merged(let summary) = resolved else { Issue.record("\(resolved)"); return }
            #expect(try mergedTurns(store, parent: "s1", summary).map(\.content) == ["x"])
            #expect(summary.rowKeys == ["doc"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "doc")?.value == ["a": 4])
        }
    }

    @Test func aMergeIsRefusedWhenTheParentRetiredATurnTheBranchForkedFrom() throws {
        try withStore { store in
            func post(_ session: String, _ content: String) throws {
                _ = try store.appendTurn(session: session, actor: "alice", NewTurn(role: .user, content: content))
            }
            /// A session with turns 1 and 2 and a branch forked at 2 that answers turn 2.
            func forked(_ id: String) throws {
                _ = try store.createSession(id: id, title: id, owner: "alice")
                try post(id, "Q: which plan?")
                _ = try store.saveCheckpoint(session: id, actor: "alice", name: "start")
                try post(id, "Plan A")
                _ = try store.createBranch(session: id, actor: "alice", id: id + "-b")
                try post(id + "-b", "Agreed, plan A (reply to turn 2)")
            }
            func refused(_ id: String) throws {
                let before = try tableCounts(store)
                #expect(errorCode { _ = try store.mergeBranch(branch: id + "-b", actor: "alice") } == "conflict")
                #expect(try tableCounts(store) == before)
                #expect(try store.session(id: id + "-b").branchStatus == "open")
            }
            // The parent rewound below the fork point, undid the fork turn, or cleared it.
            try forked("restored")
            _ = try store.restoreCheckpoint(session: "restored", actor: "alice", name: "start")
            try refused("restored")
            try forked("undone")
            _ = try store.undoLastTurn(session: "undone", actor: "alice")
            try refused("undone")
            try forked("cleared")
            _ = try store.clearTurns(session: "cleared", actor: "alice")
            try refused("cleared")

            // Moves after the fork point are what a merge appends after; a turn the parent had
            // retired before the fork is retired in the branch too.
            try forked("moved-on")
            try post("moved-on", "turn 3, after the fork")
            _ = try store.saveCheckpoint(session: "moved-on", actor: "alice", name: "three")
            try post("moved-on", "turn 4")
            _ = try store.undoLastTurn(session: "moved-on", actor: "alice")
            _ = try store.restoreCheckpoint(session: "moved-on", actor: "alice", name: "three")
            _ = try store.createSession(id: "old-undo", title: "", owner: "alice")
            try post("old-undo", "kept")
            try post("old-undo", "taken back before the fork")
            _ = try store.undoLastTurn(session: "old-undo", actor: "alice")
            _ = try store.createBranch(session: "old-undo", actor: "alice", id: "old-undo-b")
            try post("old-undo-b", "reply to turn 1")
            for id in ["moved-on", "old-undo"] {
                let result = try store.mergeBranch(branch: id + "-b", actor: "alice")
                guard case .merged(let summary) = result else { Issue.record("\(id): \(result)"); continue }
                let expected = id == "old-undo" ? "reply to turn 1" : "Agreed, plan A (reply to turn 2)"
                #expect(try mergedTurns(store, parent: id, summary).map(\.content) == [expected])
            }
        }
    }

    @Test func aMergeKeepsCommentsNoncesAndRowAuthorsAndMovesTheirCounts() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "kick-off"))
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.appendTurns(session: "b1", actor: "bob", [NewTurn(role: .user, content: "proposal", nonce: "n-1"),
                                                                    NewTurn(role: .user, content: "second", nonce: "n-2")])
            _ = try store.addComment(session: "b1", actor: "carol", turnSeq: 2, body: "reviewed: looks good")
            _ = try store.addComment(session: "b1", actor: "alice", turnSeq: 1, body: "on the fork turn: not merged")
            _ = try store.writeRow(session: "b1", actor: "bob", key: "plan", value: ["step": 1], baseVersion: 0)
            // The parent already has bob's n-2: the merged copy goes without it.
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "parent's own", nonce: "n-2")])

            let result = try store.mergeBranch(branch: "b1", actor: "alice")
            guard case .merged(let summary) = result else { Issue.record("\(result)"); return }
            let mergeSeq = summary.eventSeq
            let turns = try mergedTurns(store, parent: "s1", summary)
            #expect(turns.map(\.seq) == [3, 4] && turns.map(\.nonce) == ["n-1", nil] && turns.map(\.content) == ["proposal", "second"])
            #expect(try store.lastTurns(session: "s1", actor: "alice", count: 2).map(\.nonce) == ["n-1", nil])
            // A retry of bob's post now finds it in the parent.
            let retry = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "proposal", nonce: "n-1")])
            #expect(retry.duplicate && retry.turns.map(\.seq) == [3])

            #expect(try store.comments(session: "s1", actor: "alice").map { "\($0.turnSeq) \($0.author) \($0.body)" }
                    == ["3 carol reviewed: looks good"])
            let events = try store.changes(session: "s1", actor: "alice", since: 0).events
            let comment = events.first { $0.kind == .comment }
            #expect(comment?.turnSeq == 3 && comment?.actor == "carol" && comment?.comment?.body == "reviewed: looks good")
            #expect(comment.map { $0.eventSeq > turns[0].eventSeq && $0.eventSeq < turns[1].eventSeq } == true)

            #expect(summary.rowKeys == ["plan"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "plan")?.author == "bob")
            #expect(events.first { $0.kind == .state }?.actor == "bob")
            #expect(events.last.map { [$0.eventSeq == mergeSeq, $0.kind == .branchMerge, $0.actor == "alice"] } == [true, true, true])

            // What moved counts in the parent and no longer in the archived branch.
            func counts(_ session: String) throws -> [String: String] {
                Dictionary(uniqueKeysWithValues: try store.contributions(session: session, actor: "alice").map {
                    ($0.userID, "turns \($0.counts.turns) comments \($0.counts.comments) rows \($0.counts.rowWrites)")
                })
            }
            let parent = try counts("s1"), branch = try counts("b1")
            #expect(parent["bob"] == "turns 3 comments 0 rows 1" && parent["carol"] == "turns 0 comments 1 rows 0")
            #expect(parent["alice"] == "turns 1 comments 0 rows 0")
            #expect(branch["bob"] == "turns 0 comments 0 rows 0" && branch["carol"] == "turns 0 comments 0 rows 0")
            #expect(branch["alice"] == "turns 0 comments 1 rows 0")

            // A fork takes the comments on the turns it copies, with their events.
            _ = try store.createBranch(session: "s1", actor: "alice", atSeq: 3, id: "b2")
            #expect(try store.comments(session: "b2", actor: "alice").map { "\($0.turnSeq) \($0.author) \($0.body)" }
                    == ["3 carol reviewed: looks good"])
            let forkEvents = try store.changes(session: "b2", actor: "alice", since: 0)
            #expect(forkEvents.events.filter { $0.kind == .comment }.map(\.turnSeq) == [3])
            #expect(forkEvents.events.map(\.eventSeq) == Array(1...forkEvents.lastEventSeq))
            // Both documents hold together: they export and import again.
            for id in ["s1", "b2"] {
                _ = try store.importSession(try store.exportSession(id: id, actor: "alice"), asID: id + "-copy")
                #expect(try store.comments(session: id + "-copy", actor: "alice").map(\.body) == ["reviewed: looks good"])
            }
        }
    }

    @Test func discardDeletesTheBranch() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            #expect(errorCode { try store.discardBranch(branch: "b1", actor: "bob") } == "forbidden")
            #expect(errorCode { try store.discardBranch(branch: "s1", actor: "alice") } == "invalid_state")
            try store.discardBranch(branch: "b1", actor: "alice")
            #expect(errorCode { _ = try store.session(id: "b1") } == "not_found")
            #expect(try store.auditLog(session: "b1").first?.action == "branch.discard")
            #expect(errorCode { _ = try store.createBranch(session: "s1", actor: "bob", atSeq: 5) } == "invalid_argument")
        }
    }
}
