import Synchronization
import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct CheckpointTests {
    @Test func restoreRewindsTurnsAndRowsAndIsRecorded() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "1"), NewTurn(role: .user, content: "2")])
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a1", baseVersion: 0)
            let cp = try store.saveCheckpoint(session: "s1", actor: "bob", name: "before")
            #expect(cp.turnSeq == 2 && cp.rowVersions == ["a": 1])
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "before") } == "already_exists")
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "carol", name: "c") } == "forbidden")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "3"))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a2", baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: "b1", baseVersion: 0)
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "bob", name: "before") } == "forbidden")
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "nonexistent") } == "not_found")
            #expect(try tableCounts(store) == before)

            let restored = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "before")
            #expect(restored.rewoundThrough == 3)
            #expect(restored.rows.map { "\($0.key)@\($0.version)=\($0.value)" } == ["a@3=\"a1\"", "b@2=null"])
            let turns = try store.lastTurns(session: "s1", actor: "alice", count: 10)
            #expect(turns.map(\.state) == [.live, .live, .rewound])
            #expect(try store.stateHistory(session: "s1", actor: "alice", key: "a").map(\.value) == ["a1", "a2", "a1"])
            let events = try store.changes(session: "s1", actor: "alice", since: 0).events
            #expect(events.suffix(3).map(\.kind) == [.restore, .state, .state])
            #expect(restored.eventSeq == events.last?.eventSeq)
            #expect(try store.auditLog(session: "s1").first?.action == "checkpoint.restore")
            #expect(try store.checkpoints(session: "s1", actor: "dave").map(\.name) == ["before"])
            // New turns continue after the highest seq ever used.
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "4")).seq == 4)
        }
    }
}

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
            guard case .merged(let turns, let rows, _) = result else { Issue.record("\(result)"); return }
            #expect(turns.map(\.seq) == [5] && turns.map(\.content) == ["branch work"] && turns.first?.author == "bob")
            #expect(rows.count == 2)
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
            guard case .merged(_, let rows, _) = result else { Issue.record("\(result)"); return }
            #expect(rows.count == 1)
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
            guard case .conflict(let byKey) = result else { Issue.record("\(result)"); return }
            #expect(byKey["doc"]?.first.map { [$0.base, $0.current, $0.proposed] } == [1, 3, 2])
            #expect(try tableCounts(store) == before)
            let resolved = try store.mergeBranch(branch: "b1", actor: "alice", resolutions: ["doc": ["a": 4]])
            guard case .merged(let turns, _, _) = resolved else { Issue.record("\(resolved)"); return }
            #expect(turns.count == 1)
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
                guard case .merged(let turns, _, _) = result else { Issue.record("\(id): \(result)"); continue }
                #expect(turns.count == 1)
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
            guard case .merged(let turns, let rows, let mergeSeq) = result else { Issue.record("\(result)"); return }
            #expect(turns.map(\.seq) == [3, 4] && turns.map(\.nonce) == ["n-1", nil])
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

            #expect(rows.map { $0.row?.author } == ["bob"])
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

@Suite struct TemplateTests {
    @Test func saveAndCreateFromTemplate() throws {
        try withStore { store in
            try makeSession(store, metadata: ["model": "m1"])
            _ = try store.writeRow(session: "s1", actor: "bob", key: "rules", value: ["tone": "dry"], baseVersion: 0)
            #expect(errorCode { _ = try store.saveTemplate(session: "s1", actor: "bob", name: "std") } == "forbidden")
            let t = try store.saveTemplate(session: "s1", actor: "alice", name: "std")
            #expect(t.body["rows"] == ["rules": ["tone": "dry"]])
            #expect(errorCode { _ = try store.saveTemplate(session: "s1", actor: "alice", name: "std") } == "already_exists")
            #expect(t.body["source"] == "s1")
            // A template is its author's: another user can neither use nor see it, and may save one of the same name.
            #expect(errorCode { _ = try store.createSession(fromTemplate: "std", actor: "erin", id: "stolen") } == "not_found")
            #expect(try store.templates(of: "erin").isEmpty)
            let s = try store.createSession(fromTemplate: "std", actor: "alice", id: "fromT")
            #expect(s.title == "Planning" && s.metadata == ["model": "m1"] && s.owner == "alice")
            let roles = Dictionary(uniqueKeysWithValues: try store.members(session: "fromT", actor: "alice").map { ($0.userID, $0.role) })
            #expect(roles == ["alice": .owner, "bob": .write, "carol": .comment, "dave": .read])
            #expect(try store.stateRow(session: "fromT", actor: "alice", key: "rules")?.version == 1)
            #expect(try store.templates(of: "alice").map(\.name) == ["std"])
            _ = try store.createSession(id: "erins", title: "Mine", owner: "erin")
            #expect(try store.saveTemplate(session: "erins", actor: "erin", name: "std").body["source"] == "erins")
            #expect(try store.createSession(fromTemplate: "std", actor: "erin", id: "fromE").title == "Mine")
            #expect(try store.createSession(fromTemplate: "std", actor: "alice", id: "fromT2").title == "Planning")
            #expect(errorCode { _ = try store.createSession(fromTemplate: "nope", actor: "erin") } == "not_found")
        }
    }
}

@Suite struct ExportImportTests {
    @Test func roundTripIsByteIdentical() throws {
        try withStore { store in
            try makeRichSession(store)
            let first = try store.exportSessionText(id: "s1", actor: "alice")
            // Counted, then written into a buffer of that size (the server's way): the same bytes.
            #expect(try exportBytes(store, maxBytes: 1 << 20) == Array(first.utf8))
            #expect(errorCode { _ = try store.exportSessionText(id: "s1", actor: "bob") } == "forbidden")
            let original = try JSONValue(parsing: first)

            // Imported under another id (its comments get new ids, server-wide): the same document but the id.
            _ = try store.importSession(json: first, asID: "copy")
            let copy = try store.exportSession(id: "copy", actor: "alice")
            #expect(replacing(copy, session: "id", with: "s1") == original)
            #expect(copy["session"]?["id"] == "copy")

            // Deleted and imported under its own id: the same document but `created`, one millisecond
            // on, so that a client resuming with the deleted session's is told to resync.
            try store.deleteSession(id: "s1", actor: "alice")
            let imported = try store.importSession(json: first)
            #expect(imported.id == "s1")
            let createdAt = try #require(original["session"]?["created_at"]?.intValue)
            #expect(imported.createdAt == createdAt + 1)
            let second = try store.exportSession(id: "s1", actor: "alice")
            #expect(replacing(second, session: "created_at", with: .integer(createdAt)) == original)
            #expect(errorCode { _ = try store.importSession(json: first) } == "already_exists")
            #expect(try store.search("later").isEmpty) // undone
            #expect(try store.search("héllo").count == 2)
        }
    }

    /// `document` with its session's `field` set to `value`.
    private func replacing(_ document: JSONValue, session field: String, with value: JSONValue) -> JSONValue {
        guard case .object(var top) = document, case .object(var session)? = top["session"] else { return document }
        session[field] = value
        top["session"] = .object(session)
        return .object(top)
    }

    @Test(arguments: [1, 7, 300, 1 << 20])
    func streamedExportIsTheDocumentInAnyChunkSize(chunkBytes: Int) throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.adminExportSession(id: "s1")
            for part in ["turns", "events", "comments", "row_history", "rows", "checkpoints", "contributions", "members", "users"] {
                #expect(document[part]?.arrayValue?.isEmpty == false, "\(part) is empty: the test would not cover it")
            }
            let chunks = Mutex<[[UInt8]]>([])
            try store.adminWriteExport(id: "s1", chunkBytes: chunkBytes) { chunk in chunks.withLock { $0.append(chunk) }; return true }
            let written = chunks.withLock { $0 }
            #expect(written.flatMap { $0 } == document.serializedBytes())
            // Every chunk but the last is handed over once it reaches the chunk size, not before.
            #expect(written.dropLast().allSatisfy { $0.count >= chunkBytes })
            if chunkBytes < 300 { #expect(written.count > 3) }
            #expect(errorCode { try store.adminWriteExport(id: "nope") { _ in true } } == "not_found")
        }
    }

    @Test func streamedExportStopsWhenItsDestinationFails() throws {
        try withStore { store in
            try makeRichSession(store)
            let calls = Mutex(0)
            #expect(errorCode {
                try store.adminWriteExport(id: "s1", chunkBytes: 16) { _ in calls.withLock { $0 += 1; return $0 < 2 } }
            } == "closed")
            #expect(calls.withLock { $0 } == 2)
        }
    }

    @Test func exportIsBoundedInBytesWhenAskedTo() throws {
        try withStore { store in
            try makeSession(store)
            let body = String(repeating: "é", count: 2_000) // 4,000 bytes of text per turn
            for _ in 0..<5 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: body)) }
            let size = try store.exportSessionText(id: "s1", actor: "alice").utf8.count
            #expect(size > 20_000)
            // Refused before anything is read: its text alone is over the limit.
            #expect(errorCode { _ = try exportBytes(store, maxBytes: 10_000) } == "too_large")
            // Refused by the count: the text fits, the keys around it do not.
            #expect(errorCode { _ = try exportBytes(store, maxBytes: size - 1) } == "too_large")
            // At the limit exactly: the same bytes as the tree's serialization, written into a buffer of that size.
            let exact = try exportBytes(store, maxBytes: size)
            #expect(exact == (try store.exportSession(id: "s1", actor: "alice")).serializedBytes())
            let bound = try store.read { db throws(StoreError) in
                let sid = try db.scalar("SELECT sid FROM sessions WHERE id = 's1'") ?? 0
                return try SessionExport.sizeLowerBound(db, sid: sid)
            }
            #expect(bound > 20_000 && bound <= size)
            // Permissions come first: a reader is forbidden whatever the size.
            #expect(errorCode { _ = try exportBytes(store, actor: "carol", maxBytes: 10) } == "forbidden")
        }
    }

    /// The export written the way the server writes it: into memory allocated at the counted size.
    private func exportBytes(_ store: Store, actor: String = "alice", maxBytes: Int) throws -> [UInt8] {
        let bytes = try store.exportSession(id: "s1", actor: actor, maxBytes: maxBytes) { count, write in
            var out = [UInt8](repeating: 0, count: count)
            let complete = out.withUnsafeMutableBytes { write($0) }
            return complete ? out : []
        }
        #expect(!bytes.isEmpty)
        return bytes
    }

    @Test func importRefusesBadDocumentsWithoutWriting() throws {
        try withStore { store in
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.importSession(json: "{not json") } == "invalid_json")
            #expect(errorCode { _ = try store.importSession(json: "{\"format\":\"other\"}") } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(json: #"{"format":"tandem.session","version":1,"session":{"id":"x"}}"#) } == "invalid_argument")
            #expect(try tableCounts(store) == before)
        }
    }

    @Test func importFailingHalfWayWritesNothing() throws {
        try withStore { store in
            try makeRichSession(store)
            let text = try store.exportSessionText(id: "s1", actor: "alice")
            try store.deleteSession(id: "s1", actor: "alice")
            try store.finishDeletes()
            let before = try tableCounts(store)
            // Each is found only while importing: after the session, its members and earlier turns were inserted.
            let lateBadEscape = text.replacingOccurrences(of: #""content":"later""#, with: #""content":"lat\qer""#)
            let lateBadRole = text.replacingOccurrences(of: #""role":"user""#, with: #""role":"nobody""#)
            let notAList = text.replacingOccurrences(of: #""comments":["#, with: #""comments":"x","was":["#)
            #expect(lateBadEscape != text && lateBadRole != text && notAList != text)
            #expect(errorCode { _ = try store.importSession(json: lateBadEscape) } == "invalid_json")
            #expect(errorCode { _ = try store.importSession(json: lateBadRole) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(json: notAList) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(try JSONValue(parsing: lateBadRole)) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(try JSONValue(parsing: notAList)) } == "invalid_argument")
            // What the failed imports wrote is gone once the writer has removed it.
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
            // The same document from text and from a tree imports the same session.
            _ = try store.importSession(json: Array(text.utf8), asID: "from-text")
            _ = try store.importSession(try JSONValue(parsing: text), asID: "from-tree")
            let fromText = try store.exportSession(id: "from-text", actor: "alice")
            let fromTree = try store.exportSession(id: "from-tree", actor: "alice")
            // Alike but for the comment ids each import gave (the events name their own session's comments).
            func withoutCommentIDs(_ events: JSONValue?) -> [JSONValue] {
                (events?.arrayValue ?? []).map { event in
                    guard event["kind"] == "comment", case .object(var o) = event, case .object(var data)? = o["data"] else { return event }
                    data["id"] = nil
                    o["data"] = .object(data)
                    return .object(o)
                }
            }
            #expect(fromText["turns"] == fromTree["turns"])
            #expect(withoutCommentIDs(fromText["events"]) == withoutCommentIDs(fromTree["events"]))
            #expect(fromText["turns"] == (try JSONValue(parsing: text))["turns"])
        }
    }
}

@Suite struct ShareLinkTests {
    @Test func expiryIsExactToTheMillisecondAndRevocationWorks() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "bob", expiresAt: nil) } == "forbidden")
            let expiry = clock.now + 60_000
            let issued = try store.createShareLink(session: "s1", actor: "alice", expiresAt: expiry)
            #expect(issued.secret.hasPrefix("tds_") && issued.link.permission == "read")
            let stored = try store.read { db throws(StoreError) in try db.query("SELECT hash FROM share_links") { $0.text(0) } }
            #expect(stored == [RandomID.hash(issued.secret)])
            clock.set(expiry - 1)
            let used = try store.resolveShareLink(secret: issued.secret)
            #expect(used.sessionID == "s1" && used.lastUsedAt == expiry - 1)
            clock.set(expiry)
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
            clock.set(expiry - 1000)
            #expect(try store.resolveShareLink(secret: issued.secret).id == issued.link.id)
            try store.revokeShareLink(session: "s1", actor: "alice", linkID: issued.link.id)
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
            #expect(errorCode { _ = try store.resolveShareLink(secret: "tds_nothing") } == "unauthorized")
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now) } == "invalid_argument")
            #expect(try store.shareLinks(session: "s1", actor: "alice").first?.revokedAt != nil)
            #expect(try store.auditLog(session: "s1").prefix(2).map(\.action) == ["share.revoke", "share.create"])
        }
    }

    @Test func expiryAtTheSecondWithTheRealClock() throws {
        try withStore { store in
            try makeSession(store)
            let expiry = store.now + 1000
            let issued = try store.createShareLink(session: "s1", actor: "alice", expiresAt: expiry)
            #expect(try store.resolveShareLink(secret: issued.secret).sessionID == "s1")
            while store.now < expiry { usleep(20_000) }
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
        }
    }
}

@Suite struct RetentionTests {
    @Test func purgesOnlyOldArchivedSessionsAndAudits() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "old")
            try makeSession(store, id: "recent")
            try makeSession(store, id: "live")
            _ = try store.archiveSession(id: "old", actor: "alice")
            clock.advance(10 * 86_400_000)
            _ = try store.archiveSession(id: "recent", actor: "alice")
            clock.advance(86_400_000)
            #expect(try store.purgeArchived(olderThan: 7 * 86_400_000) == ["old"])
            #expect(errorCode { _ = try store.session(id: "old") } == "not_found")
            #expect(try store.session(id: "recent").status == .archived)
            #expect(try store.auditLog(session: "old").first?.action == "session.purge")
            #expect(errorCode { _ = try store.purgeArchived(olderThan: -1) } == "invalid_argument")
        }
    }
}
