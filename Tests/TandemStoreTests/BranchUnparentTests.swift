import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A branch whose parent is deleted, discarded or purged records an `unparent` change in the same
/// transaction (`SessionReaper.unparent`): before, its `parent_sid` went NULL with no change at all.
@Suite struct BranchUnparentTests {
    /// The changes of `session` after `since`.
    private func changes(_ store: Store, _ session: String, after since: Int64) throws -> [ChangeEvent] {
        try store.changeFeed(session: session, since: since).events
    }

    @Test func deletingAParentRecordsAnUnparentChangeOnEachOfItsBranches() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "base"))
            for id in ["b1", "b2", "b3"] { _ = try store.createBranch(session: "p", actor: "alice", id: id) }
            // A branch of a branch: its parent stays, so it records nothing.
            _ = try store.createBranch(session: "b1", actor: "alice", id: "c1")
            var heads: [String: Int64] = [:]
            for id in ["b1", "b2", "b3", "c1"] { heads[id] = try store.session(id: id).lastEventSeq }

            let gone = try store.deleteSession(id: "p", actor: "alice", changesAfter: nil)
            #expect(gone.unparentedBranches.sorted() == ["b1", "b2", "b3"])
            for id in ["b1", "b2", "b3"] {
                let head = try #require(heads[id])
                let after = try changes(store, id, after: head)
                #expect(after.count == 1, "\(id): \(after)")
                let change = try #require(after.first)
                #expect(change.kind == .unparent && change.eventSeq == head + 1 && change.actor == "alice")
                #expect(change.data?["parent"] == "p")
                #expect(change.sessionAfter?.parent == .noParent, "\(String(describing: change.sessionAfter))")
                let now = try store.session(id: id)
                #expect(now.lastEventSeq == head + 1 && now.parentID == nil)
            }
            #expect(try changes(store, "c1", after: try #require(heads["c1"])).isEmpty)
            #expect(try store.session(id: "c1").parentID == "b1")
        }
    }

    @Test func discardingABranchUnparentsItsBranchesNamingWhoDiscarded() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.createBranch(session: "p", actor: "alice", id: "b1")
            _ = try store.createBranch(session: "b1", actor: "alice", id: "c1")
            let childHead = try store.session(id: "c1").lastEventSeq
            let discarded = try store.discardBranch(branch: "b1", actor: "alice", changesAfter: nil)
            #expect(discarded.unparentedBranches == ["c1"])
            let after = try changes(store, "c1", after: childHead)
            #expect(after.count == 1)
            let change = try #require(after.first)
            #expect(change.kind == .unparent && change.actor == "alice" && change.data?["parent"] == "b1")
            #expect(try store.session(id: "c1").parentID == nil)
        }
    }

    /// A branch being merged into (held by a merge in steps) takes its `unparent` change after the
    /// merge, as every write to it waits: written in between, it would have split the merge's events.
    @Test func aBranchBeingMergedIntoIsUnparentedAfterTheMerge() throws {
        try withStore(configure: { $0.importStepRows = 3 }) { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "root"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "c")
            _ = try store.createBranch(session: "c", actor: "alice", id: "d")
            _ = try store.appendTurns(session: "d", actor: "bob", (0..<30).map { NewTurn(role: .user, content: "d \($0)") })
            let start = try store.write { ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "d", actor: "alice", resolutions: [:], texts: [:], stepRows: 3)
            }
            guard case .held(let target) = start else { Issue.record("fits one step"); return }
            let deleted = Mutex<ChangeSet?>(nil)
            let thread = Thread {
                let gone = try? store.deleteSession(id: "p", actor: "alice", changesAfter: nil)
                deleted.withLock { $0 = gone }
            }
            thread.start()
            Thread.sleep(forTimeInterval: 0.2) // the delete reaches the writer and waits for the hold
            var ended = false
            while !ended {
                let step = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
                ended = step.ended != nil || step.gone
            }
            let deadline = Date().addingTimeInterval(10)
            while deleted.withLock({ $0 == nil }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            #expect(deleted.withLock { $0?.unparentedBranches } == ["c"])
            let log = try changes(store, "c", after: 0)
            let kinds = log.map(\.kind)
            #expect(kinds.last == .unparent && kinds.dropLast().last == .branchMerge, "\(kinds)")
            #expect(kinds.filter { $0 == .unparent }.count == 1)
        }
    }

    /// A merge removes no session: the merged branch's own branch keeps it as its parent.
    @Test func aMergedBranchsBranchKeepsItsParentAndCannotMergeIntoIt() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "root"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            _ = try store.createBranch(session: "b", actor: "alice", id: "c")
            let head = try store.session(id: "c").lastEventSeq
            guard case .merged = try store.mergeBranch(branch: "b", actor: "alice") else { Issue.record("b not merged"); return }
            #expect(try store.session(id: "c").parentID == "b")
            #expect(try changes(store, "c", after: head).isEmpty)
            #expect(errorCode { _ = try store.mergeBranch(branch: "c", actor: "alice") } == "session_archived")
        }
    }

    @Test func anUnparentedBranchExportsAndImportsWithItsChange() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.createBranch(session: "p", actor: "alice", id: "b1")
            let head = try store.session(id: "b1").lastEventSeq
            try store.deleteSession(id: "p", actor: "alice")
            let document = try store.exportSession(id: "b1", actor: "alice")

            _ = try store.importSession(document, asID: "copy")
            let copied = try #require(try changes(store, "copy", after: head).first)
            #expect(copied.kind == .unparent && copied.data?["parent"] == "p" && copied.actor == "alice")

            // Claimed over the wire: a session of its own, whose log names no parent.
            _ = try store.importSession(document, asID: "claimed", claimedBy: "bob")
            let claimed = try #require(try changes(store, "claimed", after: head).first)
            #expect(claimed.kind == .unparent && claimed.data?["parent"] == nil, "\(String(describing: claimed.data))")
        }
    }
}
