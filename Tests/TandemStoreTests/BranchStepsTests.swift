import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Branches forked in steps (`BranchCopy`): hidden until whole, the source as it was when the
/// branch appeared, nothing left behind by a fork that fails.
@Suite struct BranchStepsTests {
    @Test func aForkCopiedInStepsIsTheSameAsTheSource() throws {
        try withStore(configure: { $0.importStepRows = 3 }) { store in
            try makeRichSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...10).map { NewTurn(role: .user, content: "more \($0)") })
            let head = try store.session(id: "s1").lastTurnSeq
            let before = store.writer.batches
            let branch = try store.createBranch(session: "s1", actor: "bob", atSeq: head - 1, id: "b1")
            // begin, one copy step per 3 turns (and one that finds none left), publish.
            #expect(store.writer.batches - before >= 2 + Int(head - 1) / 3)
            #expect(branch.lastTurnSeq == head - 1 && branch.forkSeq == head - 1 && branch.parentID == "s1")
            let source = try store.turns(session: "s1", actor: "bob", since: 0).filter { $0.seq < head }
            let copied = try store.turns(session: "b1", actor: "bob", since: 0)
            #expect(copied.map(\.seq) == source.map(\.seq))
            #expect(copied.map(\.content) == source.map(\.content))
            #expect(copied.map(\.state) == source.map(\.state))
            #expect(copied.map(\.eventSeq) == Array(1...Int64(copied.count))) // dense from 1
            #expect(try store.changes(session: "b1", actor: "bob", since: 0).events.last?.eventSeq == branch.lastEventSeq)
            #expect(try store.members(session: "b1", actor: "bob").map(\.role) == [.owner, .write, .comment, .read])
            let row = try store.stateRow(session: "b1", actor: "bob", key: "doc")
            let sourceRow = try store.stateRow(session: "s1", actor: "bob", key: "doc")
            #expect(row != nil && row?.value == sourceRow?.value)
        }
    }

    /// Session s1 with six turns, and bob's fork of it into b1 begun (hidden, nothing copied yet).
    private func beginForkOfSixTurns(_ store: Store) throws -> BranchCopy.Plan {
        try makeSession(store)
        _ = try store.appendTurns(session: "s1", actor: "bob", (1...6).map { NewTurn(role: .user, content: "t\($0)") })
        return try store.write { ctx throws(StoreError) in
            try BranchCopy.begin(ctx, session: "s1", actor: "bob", atSeq: nil, newID: "b1", title: nil)
        }
    }

    @Test func anUndoOrClearDuringTheCopyReachesTheBranch() throws {
        try withStore { store in
            let plan = try beginForkOfSixTurns(store)
            let first = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 0, copied: 0, rows: 3) }
            #expect(first?.last == 3 && first?.count == 3)
            // The source changes half-way: its last turn is undone, then everything is cleared.
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            _ = try store.clearTurns(session: "s1", actor: "alice")
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 3, copied: 3, rows: 3) }
            #expect(errorCode { _ = try store.session(id: "b1") } == "not_found") // hidden until published
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan) }
            let source = try store.turns(session: "s1", actor: "bob", since: 0).map(\.state)
            #expect(source == [.cleared, .cleared, .cleared, .cleared, .cleared, .undone])
            #expect(try store.turns(session: "b1", actor: "bob", since: 0).map(\.state) == source)
        }
    }

    @Test func aRestoreDuringTheCopyReachesTheBranch() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...4).map { NewTurn(role: .user, content: "t\($0)") })
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "four")
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "t5"), NewTurn(role: .user, content: "t6")])
            let plan = try store.write { ctx throws(StoreError) in
                try BranchCopy.begin(ctx, session: "s1", actor: "bob", atSeq: 5, newID: "b1", title: nil)
            }
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 0, copied: 0, rows: 3) }
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "four")
            _ = try store.undoLastTurn(session: "s1", actor: "bob") // turn 4: 5 and 6 are rewound
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 3, copied: 3, rows: 3) }
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan) }
            #expect(try store.turns(session: "s1", actor: "bob", since: 0).map(\.state) == [.live, .live, .live, .undone, .rewound, .rewound])
            #expect(try store.turns(session: "b1", actor: "bob", since: 0).map(\.state) == [.live, .live, .live, .undone, .rewound])
            // The branch's own turns come after the fork point, live; its undo finds them first.
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "b6"))
            #expect(try store.undoLastTurn(session: "b1", actor: "bob").turn.seq == 6)
            #expect(try store.undoLastTurn(session: "b1", actor: "bob").turn.seq == 3)
        }
    }

    @Test func aForkWhoseSourceGoesMeanwhileLeavesNothing() throws {
        try withStore { store in
            let plan = try beginForkOfSixTurns(store)
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 0, copied: 0, rows: 3) }
            try store.deleteSession(id: "s1", actor: "alice")
            #expect(errorCode { _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan) } } == "not_found")
            try store.write { ctx throws(StoreError) in try SessionImport.abandon(ctx, sid: plan.sid) }
            try store.finishDeletes()
            let counts = try tableCounts(store)
            for table in ["sessions", "members", "turns", "events"] { #expect(counts[table] == 0, "\(table)") }
        }
    }

    @Test func aForkByAMemberWhoLosesAccessMeanwhileIsRefused() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
            let plan = try store.write { ctx throws(StoreError) in
                try BranchCopy.begin(ctx, session: "s1", actor: "bob", atSeq: nil, newID: "b1", title: nil)
            }
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .read)
            #expect(errorCode { _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan) } } == "forbidden")
        }
    }
}
