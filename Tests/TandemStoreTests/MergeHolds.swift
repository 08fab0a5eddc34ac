import Synchronization
@testable import TandemStore

/// Holds made and lifted by hand, for tests of what waits on a merge without a merger advancing it.
extension Store {
    /// Holds `parent` and `branch` as a merge under way does (a `branch_merges` row).
    func holdAsMergeUnderWay(branch: String, parent: String) throws {
        try writer.perform { ctx throws(StoreError) in
            ctx.holds.bypass = true
            let b = try ctx.db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(branch)]) ?? 0
            let p = try ctx.db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(parent)]) ?? 0
            try ctx.db.run("""
                INSERT INTO branch_merges(branch_sid, parent_sid, actor, phase, turn_cursor, resolutions, started_at, updated_at)
                VALUES (?, ?, 'alice', 'turns', 1, '{}', 0, 0)
                """, [.integer(b), .integer(p)])
        }
    }

    /// Session `p` (alice's, one turn) and its branch `b`, both held as by a merge of `b` into `p`.
    func makeBranchHeldByMerge() throws {
        _ = try makeSession(self, id: "p")
        _ = try appendTurn(session: "p", actor: "alice", NewTurn(role: .user, content: "base"))
        _ = try createBranch(session: "p", actor: "alice", id: "b")
        try holdAsMergeUnderWay(branch: "b", parent: "p")
    }

    /// Lifts every hold (the merges' rows gone, as when they end).
    func liftMergeHolds() throws {
        try writer.perform { ctx throws(StoreError) in _ = try ctx.db.run("DELETE FROM branch_merges") }
    }
}

/// What the `MergeWaitPolicy`s made by `policy` told of, for tests.
final class MergeNotices: Sendable {
    private let notices = Mutex<[MergeWait]>([])

    /// Every notice so far, in order.
    var told: [MergeWait] { notices.withLock { $0 } }

    /// A policy that tells of a write parked `noticeAfter` (keeping the notice here) and answers
    /// one parked past `limit` `busy`.
    func policy(noticeAfter: Duration, limit: Duration = .seconds(60)) -> MergeWaitPolicy {
        MergeWaitPolicy(noticeAfter: noticeAfter, limit: limit) { wait in self.notices.withLock { $0.append(wait) } }
    }
}
